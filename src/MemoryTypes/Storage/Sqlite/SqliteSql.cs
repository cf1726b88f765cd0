using System.Text;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>SQL text helpers. Identifiers are always quoted; values never go into SQL text, only into parameters.</summary>
internal static class SqliteSql
{
    /// <summary>Quotes an identifier: <c>"name"</c>, with embedded quotes doubled.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>Quotes a string literal for DDL options that cannot be parameters (FTS5 <c>content=</c>).</summary>
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    /// <summary>
    /// A table-name fragment made from a collection name: ASCII letters, digits and underscores, at most 32
    /// characters. Uniqueness comes from the catalog id prefixed to it; the fragment only helps a human reading the file.
    /// </summary>
    public static string Sanitize(string name)
    {
        var builder = new StringBuilder(Math.Min(name.Length, 32));
        foreach (var c in name)
        {
            if (builder.Length == 32)
            {
                break;
            }

            builder.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }

        return builder.ToString();
    }
}
