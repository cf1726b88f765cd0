using System.Globalization;
using System.Text;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// Turns text into index terms: Unicode word tokens, lower-cased, English stop words dropped and a light stemmer
/// applied, so that "meetings", "meeting" and "meet" share a term while the keyword index stays precise.
/// </summary>
/// <remarks>Thread-safe and allocation-light; one shared instance serves every index.</remarks>
public sealed class TextAnalyzer
{
    private static readonly HashSet<string> s_stopWords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by", "can", "could",
        "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further", "had", "has",
        "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how", "i", "if", "in",
        "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself", "no", "nor", "not", "now",
        "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "same",
        "she", "should", "so", "some", "such", "than", "that", "the", "their", "theirs", "them", "themselves",
        "then", "there", "these", "they", "this", "those", "through", "to", "too", "under", "until", "up", "very",
        "was", "we", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
        "would", "you", "your", "yours", "yourself", "yourselves", "s", "t", "d", "ll", "m", "re", "ve", "also",
    };

    /// <summary>The shared analyzer.</summary>
    public static TextAnalyzer Default { get; } = new();

    /// <summary>Index terms of <paramref name="text"/>: tokens without stop words, stemmed.</summary>
    /// <param name="text">Any text; null or empty gives no terms.</param>
    /// <returns>The terms in text order, duplicates kept (term frequency matters).</returns>
    public List<string> Analyze(string? text)
    {
        var terms = new List<string>();
        foreach (var token in Tokenize(text))
        {
            if (!s_stopWords.Contains(token))
            {
                terms.Add(Stem(token));
            }
        }

        return terms;
    }

    /// <summary>True when <paramref name="token"/> (lower case) is an English stop word.</summary>
    public static bool IsStopWord(string token) => s_stopWords.Contains(token);

    /// <summary>Lower-cased word tokens of <paramref name="text"/>: runs of letters and digits.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The tokens in order; a possessive "'s" is dropped, other apostrophes split words.</returns>
    public List<string> Tokenize(string? text)
    {
        var tokens = new List<string>();
        if (string.IsNullOrEmpty(text))
        {
            return tokens;
        }

        var builder = new StringBuilder(32);
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(char.ToLowerInvariant(c));
                continue;
            }

            // "John's" -> "john"; "don't" -> "don", "t" (t is a stop word).
            if ((c == '\'' || c == '\u2019') && builder.Length > 0 && i + 1 < text.Length
                && (text[i + 1] == 's' || text[i + 1] == 'S') && (i + 2 >= text.Length || !char.IsLetterOrDigit(text[i + 2])))
            {
                i++;
            }

            if (builder.Length > 0)
            {
                if (builder.Length <= 64)
                {
                    tokens.Add(builder.ToString());
                }

                builder.Clear();
            }
        }

        return tokens;
    }

    /// <summary>
    /// A light English stemmer (plurals, -ed, -ing, -ly, a few derivational endings). Light on purpose: it conflates
    /// inflections without the over-stemming of a full Porter stemmer, which hurts precision on short memories.
    /// </summary>
    /// <param name="word">A lower-case token.</param>
    /// <returns>The stem; words of three letters or fewer and numbers come back unchanged.</returns>
    public static string Stem(string word)
    {
        if (word.Length <= 3 || !char.IsLetter(word[^1]))
        {
            return word;
        }

        string w = word;

        // Plurals.
        if (w.EndsWith("sses", StringComparison.Ordinal))
        {
            w = w[..^2];
        }
        else if (w.EndsWith("ies", StringComparison.Ordinal) && w.Length > 4)
        {
            w = w[..^3] + "y";
        }
        else if (w.EndsWith('s') && !w.EndsWith("ss", StringComparison.Ordinal) && !w.EndsWith("us", StringComparison.Ordinal)
            && !w.EndsWith("is", StringComparison.Ordinal) && w.Length > 3)
        {
            w = w[..^1];
        }

        // Adverbs and common derivations.
        if (w.EndsWith("fully", StringComparison.Ordinal) && w.Length > 7)
        {
            w = w[..^2];
        }
        else if (w.EndsWith("ly", StringComparison.Ordinal) && w.Length > 5)
        {
            w = w[..^2];
        }

        if (w.EndsWith("ness", StringComparison.Ordinal) && w.Length > 6)
        {
            w = w[..^4];
        }

        // Past tense and progressive.
        if (w.EndsWith("eed", StringComparison.Ordinal))
        {
            if (w.Length > 4)
            {
                w = w[..^1];
            }
        }
        else if (w.EndsWith("ed", StringComparison.Ordinal) && HasVowel(w.AsSpan(0, w.Length - 2)) && w.Length > 4)
        {
            w = Restore(w[..^2]);
        }
        else if (w.EndsWith("ing", StringComparison.Ordinal) && HasVowel(w.AsSpan(0, w.Length - 3)) && w.Length > 5)
        {
            w = Restore(w[..^3]);
        }

        // Trailing e: "make"/"making" -> "mak"; keeps inflections together.
        if (w.Length > 4 && w.EndsWith('e') && !w.EndsWith("ee", StringComparison.Ordinal))
        {
            w = w[..^1];
        }

        return w;
    }

    private static string Restore(string stem)
    {
        // "stopped" -> "stopp" -> "stop"; but keep "ll", "ss", "zz" ("called" -> "call").
        if (stem.Length >= 3 && stem[^1] == stem[^2] && !IsVowel(stem[^1]) && stem[^1] is not ('l' or 's' or 'z'))
        {
            return stem[..^1];
        }

        return stem;
    }

    private static bool HasVowel(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (IsVowel(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    /// <summary>Normalizes free text for case- and accent-insensitive comparison (used for fact subjects and keys).</summary>
    /// <param name="text">Any text.</param>
    /// <returns>Lower-cased, accents removed, whitespace collapsed.</returns>
    public static string Normalize(string text)
    {
        var decomposed = text.Trim().Normalize(NormalizationForm.FormD);
        var builder = new StringBuilder(decomposed.Length);
        bool space = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
