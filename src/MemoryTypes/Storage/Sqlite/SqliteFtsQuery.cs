using System.Text;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Builds an FTS5 MATCH expression from free-form keywords. Keywords are never passed through as FTS5 syntax:
/// each is split into word tokens by <see cref="TextAnalyzer"/> and every token becomes a double-quoted string, OR-ed
/// together. Operators, parentheses, column filters, quotes or <c>NEAR</c> in user input are therefore inert and
/// cannot raise an FTS5 syntax error.
/// </summary>
internal static class SqliteFtsQuery
{
    /// <summary>The MATCH expression, or null when the keywords contain no word at all.</summary>
    public static string? Build(IEnumerable<string?> keywords)
    {
        var tokens = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var keyword in keywords)
        {
            foreach (var token in TextAnalyzer.Default.Tokenize(keyword))
            {
                if (seen.Add(token))
                {
                    tokens.Add(token);
                }
            }
        }

        // Stop words match nearly every document and would only add noise to bm25, unless they are all there is.
        var meaningful = tokens.Where(t => !TextAnalyzer.IsStopWord(t)).ToList();
        if (meaningful.Count > 0)
        {
            tokens = meaningful;
        }

        if (tokens.Count == 0)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var token in tokens)
        {
            if (builder.Length > 0)
            {
                builder.Append(" OR ");
            }

            builder.Append('"').Append(token.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
        }

        return builder.ToString();
    }
}
