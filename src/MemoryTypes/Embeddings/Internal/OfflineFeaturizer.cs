using System.Buffers;
using System.Collections.Concurrent;
using System.Numerics.Tensors;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Embeddings.Internal;

/// <summary>
/// The feature-hashing model behind <see cref="OfflineEmbeddingGenerator"/>. A text becomes a bag of weighted
/// features, each hashed (with a sign) into two of the vector's dimensions:
/// <list type="bullet">
/// <item>stemmed word unigrams (the <see cref="TextAnalyzer"/> stemmer), weight damped for short and very common
/// words and by 1 + ln(tf), so one repeated word cannot dominate;</item>
/// <item>bigrams of consecutive content words, at lower weight, so word order and phrases count a little;</item>
/// <item>character 3- and 4-grams of each word of four or more letters, with boundary markers, each a fraction of
/// the word's weight (together as much as the word), so typos, compounds and inflections the stemmer misses still
/// overlap.</item>
/// </list>
/// The result is L2-normalised, so a dot product is the cosine similarity.
/// </summary>
/// <remarks>
/// Thread-safe: instances are immutable and the shared word cache is concurrent. Work buffers live on the stack or
/// come from <see cref="ArrayPool{T}"/>, so a call allocates nothing but its result once the word cache is warm.
/// Changing any constant or rule here changes every vector: bump <see cref="OfflineEmbeddingGenerator.DefaultModelId"/>
/// when doing so, or stored vectors silently stop matching new ones.
/// </remarks>
internal sealed class OfflineFeaturizer
{
    /// <summary>Stop words keep a trace of weight so a text made only of them ("what is it") still has a direction.</summary>
    private const float StopWordWeight = 0.12f;

    /// <summary>Frequent content words ("user", "thing", "get") carry little topic, the built-in stand-in for IDF.</summary>
    private const float CommonWordDamping = 0.5f;

    /// <summary>Bigram weight relative to the geometric mean of its two words.</summary>
    private const float BigramWeight = 0.5f;

    /// <summary>
    /// The norm of a word's character n-gram bundle relative to the word's unigram weight. Equal weight puts a
    /// one-letter typo at about half the similarity of the exact word; more would let shared suffixes ("-ence")
    /// pull unrelated words together.
    /// </summary>
    private const float CharGramWeight = 1.0f;

    /// <summary>
    /// Shorter words get no character n-grams: their n-grams are the word itself plus noise ("pet" would match
    /// "peanuts" through "&lt;pe"), and a typo in a three-letter word is a different word anyway.
    /// </summary>
    private const int MinCharGramWordLength = 4;

    /// <summary>Longer runs are not words (TextAnalyzer drops them); they still contribute character n-grams.</summary>
    private const int MaxWordLength = 64;

    /// <summary>Bounds the shared word cache; words beyond it are analysed on every call (allocating) but still correct.</summary>
    private const int MaxCachedWords = 50_000;

    private const int StackChars = 512;
    private const int StackTokens = 128;

    private static readonly ConcurrentDictionary<string, WordInfo> s_words = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, WordInfo>.AlternateLookup<ReadOnlySpan<char>> s_wordLookup =
        s_words.GetAlternateLookup<ReadOnlySpan<char>>();

    private static readonly HashSet<string> s_commonStems = BuildCommonStems();

    // Cached delegates: sorting a span with a struct comparer boxes it on every call.
    private static readonly Comparison<Token> s_byStem = CompareByStem;
    private static readonly Comparison<Token> s_bySurface = CompareBySurface;
    private static int s_cachedWordCount;

    private readonly int _dimensions;
    private readonly ulong _unigramSalt;
    private readonly ulong _bigramSalt;
    private readonly ulong _charGramSalt;
    private readonly ulong _symbolSalt;
    private readonly ulong _emptyFeature;

    /// <summary>Creates the featurizer for a vector length and seed.</summary>
    public OfflineFeaturizer(int dimensions, long seed)
    {
        _dimensions = dimensions;
        ulong s = StableHash.Mix(unchecked((ulong)seed) ^ 0x6B6D702D6F66666CUL);
        _unigramSalt = StableHash.Mix(s ^ 0x01);
        _bigramSalt = StableHash.Mix(s ^ 0x02);
        _charGramSalt = StableHash.Mix(s ^ 0x03);
        _symbolSalt = StableHash.Mix(s ^ 0x04);
        _emptyFeature = StableHash.Mix(s ^ 0x05);
    }

    /// <summary>Writes the unit-length embedding of <paramref name="text"/> into <paramref name="vector"/>.</summary>
    /// <param name="text">Any text; empty or whitespace gives a fixed unit vector.</param>
    /// <param name="vector">A zeroed span of the configured length.</param>
    public void Embed(ReadOnlySpan<char> text, Span<float> vector)
    {
        char[]? rentedChars = null;
        Token[]? rentedTokens = null;
        int maxTokens = (text.Length / 2) + 1;
        Span<char> lower = text.Length <= StackChars ? stackalloc char[StackChars] : (rentedChars = ArrayPool<char>.Shared.Rent(text.Length));
        Span<Token> tokens = maxTokens <= StackTokens ? stackalloc Token[StackTokens] : (rentedTokens = ArrayPool<Token>.Shared.Rent(maxTokens));
        try
        {
            bool any = AddWordFeatures(text, lower, tokens, vector);
            if (!any)
            {
                any = AddSymbolFeatures(text, vector);
            }

            float norm = any ? TensorPrimitives.Norm<float>(vector) : 0f;
            if (!(norm > 0f) || !float.IsFinite(norm))
            {
                // Empty text, or (vanishingly rare) features that cancelled out: a fixed direction, never NaNs.
                vector.Clear();
                Add(vector, _emptyFeature, 1f);
                norm = TensorPrimitives.Norm<float>(vector);
            }

            TensorPrimitives.Multiply(vector, 1f / norm, vector);
        }
        finally
        {
            if (rentedChars is not null)
            {
                ArrayPool<char>.Shared.Return(rentedChars);
            }

            if (rentedTokens is not null)
            {
                ArrayPool<Token>.Shared.Return(rentedTokens);
            }
        }
    }

    private bool AddWordFeatures(ReadOnlySpan<char> text, Span<char> lower, Span<Token> tokens, Span<float> vector)
    {
        int count = 0;
        int start = 0;
        int length = 0;
        bool any = false;
        bool havePrevious = false;
        ulong previousStem = 0;
        float previousWeight = 0;

        // Same token rules as TextAnalyzer.Tokenize (letters and digits, lower-cased, possessive 's dropped), but on
        // spans: the lower-cased copy keeps the text's indices, so a token is a slice of it.
        for (int i = 0; i <= text.Length; i++)
        {
            char c = i < text.Length ? text[i] : ' ';
            if (char.IsLetterOrDigit(c))
            {
                if (length == 0)
                {
                    start = i;
                }

                lower[i] = char.ToLowerInvariant(c);
                length++;
                continue;
            }

            if ((c == '\'' || c == '\u2019') && length > 0 && i + 1 < text.Length
                && (text[i + 1] == 's' || text[i + 1] == 'S') && (i + 2 >= text.Length || !char.IsLetterOrDigit(text[i + 2])))
            {
                i++;
            }

            if (length == 0)
            {
                continue;
            }

            var word = lower.Slice(start, length);
            length = 0;
            any = true;
            if (word.Length > MaxWordLength)
            {
                // Unspaced scripts (CJK) and long identifiers: no word features, but their n-grams still match.
                AddCharGrams(vector, word, 1f);
                havePrevious = false;
                continue;
            }

            var info = GetWordInfo(word);
            tokens[count++] = new Token(info.StemHash, info.IsStopWord ? 0 : StableHash.Hash(word), start, word.Length, info.Weight, info.IsStopWord);
            if (info.IsStopWord)
            {
                continue;
            }

            if (havePrevious)
            {
                ulong bigram = StableHash.Mix((previousStem * 0x9E3779B97F4A7C15UL) ^ info.StemHash);
                Add(vector, bigram ^ _bigramSalt, BigramWeight * MathF.Sqrt(previousWeight * info.Weight));
            }

            havePrevious = true;
            previousStem = info.StemHash;
            previousWeight = info.Weight;
        }

        var used = tokens[..count];

        // Unigrams: one feature per distinct stem, sublinear in its frequency.
        used.Sort(s_byStem);
        for (int i = 0; i < used.Length;)
        {
            int j = i;
            float weight = 0f;
            while (j < used.Length && used[j].StemHash == used[i].StemHash)
            {
                weight = MathF.Max(weight, used[j].Weight);
                j++;
            }

            Add(vector, used[i].StemHash ^ _unigramSalt, weight * Sublinear(j - i));
            i = j;
        }

        // Character n-grams: once per distinct surface form of a content word.
        used.Sort(s_bySurface);
        for (int i = 0; i < used.Length;)
        {
            int j = i;
            while (j < used.Length && used[j].SurfaceHash == used[i].SurfaceHash && used[j].IsStopWord == used[i].IsStopWord)
            {
                j++;
            }

            if (!used[i].IsStopWord && used[i].Length >= MinCharGramWordLength)
            {
                AddCharGrams(vector, lower.Slice(used[i].Start, used[i].Length), CharGramWeight * used[i].Weight * Sublinear(j - i));
            }

            i = j;
        }

        return any;
    }

    /// <summary>Text with no letters or digits ("???", "🎉🎉"): each whitespace-separated run is a feature.</summary>
    private bool AddSymbolFeatures(ReadOnlySpan<char> text, Span<float> vector)
    {
        bool any = false;
        int start = -1;
        for (int i = 0; i <= text.Length; i++)
        {
            bool space = i == text.Length || char.IsWhiteSpace(text[i]);
            if (!space)
            {
                if (start < 0)
                {
                    start = i;
                }

                continue;
            }

            if (start >= 0)
            {
                Add(vector, StableHash.Mix(StableHash.Hash(text[start..i])) ^ _symbolSalt, 1f);
                any = true;
                start = -1;
            }
        }

        return any;
    }

    /// <summary>Adds the 3- and 4-grams of "&lt;word&gt;", together weighing <paramref name="total"/> (L2).</summary>
    private void AddCharGrams(Span<float> vector, ReadOnlySpan<char> word, float total)
    {
        int padded = word.Length + 2;
        int grams = (padded - 2) + Math.Max(0, padded - 3);
        float weight = total / MathF.Sqrt(grams);
        for (int n = 3; n <= 4; n++)
        {
            for (int p = 0; p + n <= padded; p++)
            {
                ulong h = StableHash.AppendByte(StableHash.Basis, (byte)n);
                for (int k = p; k < p + n; k++)
                {
                    char c = k == 0 ? '<' : k == padded - 1 ? '>' : word[k - 1];
                    h = StableHash.AppendChar(h, c);
                }

                Add(vector, h ^ _charGramSalt, weight);
            }
        }
    }

    /// <summary>Adds a feature to two signed buckets; two buckets halve the damage of any one collision.</summary>
    private void Add(Span<float> vector, ulong feature, float weight)
    {
        ulong a = StableHash.Mix(feature);
        ulong b = StableHash.Mix(a ^ 0x9E3779B97F4A7C15UL);
        int first = (int)(((a & 0xFFFFFFFFUL) * (ulong)_dimensions) >> 32);
        int second = (int)(((b & 0xFFFFFFFFUL) * (ulong)_dimensions) >> 32);
        if (second == first)
        {
            // Same bucket with opposite signs would erase the feature.
            second = first + 1 == _dimensions ? 0 : first + 1;
        }

        vector[first] += (a >> 63) != 0 ? -weight : weight;
        vector[second] += (b >> 63) != 0 ? -weight : weight;
    }

    private static float Sublinear(int count) => count == 1 ? 1f : 1f + MathF.Log(count);

    private static WordInfo GetWordInfo(ReadOnlySpan<char> word)
    {
        if (s_wordLookup.TryGetValue(word, out var info))
        {
            return info;
        }

        string token = word.ToString();
        info = DescribeWord(token);
        if (Volatile.Read(ref s_cachedWordCount) < MaxCachedWords && s_words.TryAdd(token, info))
        {
            Interlocked.Increment(ref s_cachedWordCount);
        }

        return info;
    }

    private static WordInfo DescribeWord(string token)
    {
        if (TextAnalyzer.IsStopWord(token))
        {
            return new WordInfo(StableHash.Hash(token), StopWordWeight, true);
        }

        string stem = TextAnalyzer.Stem(token);

        // Without corpus statistics, length is the best cheap proxy for rarity: "ok", "go", "tv" say less than
        // "invoice"; numbers are kept fairly strong because ids and years are precise recall cues.
        float weight = token.Length switch
        {
            1 => 0.45f,
            2 => 0.6f,
            3 => 0.8f,
            _ => 1f,
        };

        if (s_commonStems.Contains(stem))
        {
            weight *= CommonWordDamping;
        }

        return new WordInfo(StableHash.Hash(stem), weight, false);
    }

    private static HashSet<string> BuildCommonStems()
    {
        // Frequent English content words, plus the words every agent memory repeats ("user", "assistant").
        string[] words =
        [
            "user", "users", "assistant", "get", "got", "getting", "make", "made", "making", "go", "going", "went",
            "know", "think", "take", "see", "come", "want", "look", "use", "used", "using", "find", "give", "tell",
            "told", "say", "said", "says", "try", "ask", "asked", "need", "needs", "feel", "keep", "let", "seem",
            "put", "mean", "thing", "things", "time", "times", "way", "lot", "one", "yes", "yeah", "ok", "okay",
            "please", "thanks", "thank", "really", "well", "much", "many", "even", "back", "still", "good", "new",
            "like", "something", "anything", "everything", "nothing", "someone", "anyone", "everyone", "always",
            "never", "sometimes", "often", "usually", "maybe", "already", "actually", "currently", "mentioned",
        ];

        var stems = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in words)
        {
            stems.Add(TextAnalyzer.Stem(w));
        }

        return stems;
    }

    private readonly record struct WordInfo(ulong StemHash, float Weight, bool IsStopWord);

    private readonly record struct Token(ulong StemHash, ulong SurfaceHash, int Start, int Length, float Weight, bool IsStopWord);

    private static int CompareByStem(Token x, Token y) => x.StemHash.CompareTo(y.StemHash);

    private static int CompareBySurface(Token x, Token y)
    {
        int c = x.SurfaceHash.CompareTo(y.SurfaceHash);
        return c != 0 ? c : x.IsStopWord.CompareTo(y.IsStopWord);
    }
}
