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

    private static readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> s_stopWordLookup = s_stopWords.GetAlternateLookup<ReadOnlySpan<char>>();

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
        foreach (var token in EnumerateTokens(text, stackalloc char[MaxTokenLength]))
        {
            tokens.Add(token.ToString());
        }

        return tokens;
    }

    /// <summary>Longest token kept, in characters; longer runs (hashes, base64) are dropped.</summary>
    public const int MaxTokenLength = 64;

    /// <summary>
    /// The same tokens as <see cref="Tokenize"/>, without allocating: each token is lower-cased into
    /// <paramref name="buffer"/> (at least <see cref="MaxTokenLength"/> characters) and valid until the next one.
    /// </summary>
    /// <param name="text">Any text.</param>
    /// <param name="buffer">Scratch space for one token.</param>
    /// <returns>An enumerator for <c>foreach</c>.</returns>
    public static TokenEnumerator EnumerateTokens(ReadOnlySpan<char> text, Span<char> buffer) => new(text, buffer);

    /// <summary>True when <paramref name="token"/> (lower case) is an English stop word.</summary>
    /// <param name="token">A lower-case token.</param>
    public static bool IsStopWord(ReadOnlySpan<char> token) => s_stopWordLookup.Contains(token);

    /// <summary>Enumerates lower-cased tokens into a caller's buffer (see <see cref="EnumerateTokens"/>).</summary>
    public ref struct TokenEnumerator
    {
        private readonly ReadOnlySpan<char> _text;
        private readonly Span<char> _buffer;
        private int _position;
        private int _length;

        internal TokenEnumerator(ReadOnlySpan<char> text, Span<char> buffer)
        {
            if (buffer.Length < MaxTokenLength)
            {
                throw new ArgumentException($"The buffer must hold at least {MaxTokenLength} characters.", nameof(buffer));
            }

            _text = text;
            _buffer = buffer;
            _position = 0;
            _length = 0;
        }

        /// <summary>The current token.</summary>
        public readonly ReadOnlySpan<char> Current => _buffer[.._length];

        /// <summary>Returns this enumerator (for <c>foreach</c>).</summary>
        /// <returns>This enumerator.</returns>
        public readonly TokenEnumerator GetEnumerator() => this;

        /// <summary>Moves to the next token.</summary>
        /// <returns>False at the end of the text.</returns>
        public bool MoveNext()
        {
            var text = _text;
            while (_position < text.Length)
            {
                // Skip separators.
                while (_position < text.Length && !char.IsLetterOrDigit(text[_position]))
                {
                    _position++;
                }

                int start = _position;
                while (_position < text.Length && char.IsLetterOrDigit(text[_position]))
                {
                    _position++;
                }

                int length = _position - start;

                // "John's" -> "john"; "don't" -> "don", "t" (t is a stop word).
                if (length > 0 && _position + 1 < text.Length && text[_position] is '\'' or '\u2019'
                    && text[_position + 1] is 's' or 'S' && (_position + 2 >= text.Length || !char.IsLetterOrDigit(text[_position + 2])))
                {
                    _position += 2;
                }

                if (length == 0 || length > MaxTokenLength)
                {
                    continue;
                }

                for (int i = 0; i < length; i++)
                {
                    _buffer[i] = char.ToLowerInvariant(text[start + i]);
                }

                _length = length;
                return true;
            }

            return false;
        }
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

    /// <summary>True when a text is ASCII without upper-case letters, with single spaces only between words.</summary>
    private static bool IsNormalizedAscii(string text)
    {
        if (text.Length == 0)
        {
            return true;
        }

        if (text[0] == ' ' || text[^1] == ' ')
        {
            return false;
        }

        char previous = 'a';
        foreach (var c in text)
        {
            if (c > 0x7F || char.IsAsciiLetterUpper(c) || (c < 0x20) || c == 0x7F || (c == ' ' && previous == ' '))
            {
                return false;
            }

            previous = c;
        }

        return true;
    }

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u' or 'y';

    /// <summary>Normalizes free text for case- and accent-insensitive comparison (used for fact subjects and keys).</summary>
    /// <param name="text">Any text.</param>
    /// <returns>Lower-cased, accents removed, whitespace collapsed.</returns>
    public static string Normalize(string text)
    {
        if (IsNormalizedAscii(text))
        {
            // Keys are normalized again wherever they are used: the common case costs one pass and no allocation.
            return text;
        }

        // ASCII has no accents to decompose; the loop below lowers and collapses it all the same.
        var decomposed = Ascii.IsValid(text) ? text : text.Trim().Normalize(NormalizationForm.FormD);
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
