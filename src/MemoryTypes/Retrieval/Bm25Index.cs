using System.Buffers;
using System.Runtime.InteropServices;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// An in-memory BM25 inverted index over analyzed (stemmed) terms, with a typo-tolerant lookup built on a
/// one-deletion neighbourhood (the SymSpell idea): a query word finds indexed words within Damerau edit distance 1
/// (2 for long words when both sides share a one-deletion variant) without scanning the vocabulary. The fuzzy
/// vocabulary holds the words as written, not their stems, because a typo often changes how a word stems
/// ("nighlty" keeps its ending, "nightly" stems to "night").
/// </summary>
/// <remarks>Not thread-safe: the owning namespace index guards it with its reader/writer lock.</remarks>
internal sealed class Bm25Index
{
    private const double K1 = 1.2;
    private const double B = 0.75;

    /// <summary>
    /// Per-slot scoring state (0 unseen, 1 accepted, -1 rejected), from a pool of this class's own: <see cref="Top"/>
    /// relies on a rented array being all zero and resets only the slots it touched before returning it, which an
    /// array from the shared pool (returned dirty by any other code) would not guarantee.
    /// </summary>
    private static readonly ArrayPool<sbyte> s_statePool = ArrayPool<sbyte>.Create();
    private const int MinFuzzyLength = 4;

    private readonly Dictionary<string, Dictionary<int, int>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (string[] Terms, int Length, string[] Words)> _docs = [];
    private readonly Dictionary<string, (string Stem, int Count)> _words = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _deletes = new(StringComparer.Ordinal);
    private int[] _lengths = new int[256];
    private long _totalLength;

    public int DocumentCount => _docs.Count;

    public int VocabularySize => _postings.Count;

    /// <summary>Changes with every <see cref="Add(int, AnalyzedText)"/> and <see cref="Remove"/>, so caches built on the index can tell they are stale.</summary>
    public long Version { get; private set; }

    /// <summary>True when a document is indexed under the slot.</summary>
    public bool HasDocument(int slot) => _docs.ContainsKey(slot);

    /// <summary>One more than the highest slot the index has room for.</summary>
    public int SlotCapacity => _lengths.Length;

    /// <summary>The BM25 length (number of terms) of the document in a slot, 0 when the slot is empty.</summary>
    public int DocumentLength(int slot) => (uint)slot < (uint)_lengths.Length ? _lengths[slot] : 0;

    /// <summary>Indexes a document's text under a slot, replacing what the slot held.</summary>
    public void Add(int slot, string text) => Add(slot, Analyze(text));

    /// <summary>
    /// Splits a text into the index's terms without changing the index, so it can run on another thread (for
    /// example while the store writes) as long as no writer changes the index meanwhile. Words already in the
    /// vocabulary are found by span, so only words never seen before allocate.
    /// </summary>
    public AnalyzedText Analyze(string text)
    {
        // Sized from the text (about one term per six characters) so the sets do not grow step by step.
        int expected = Math.Clamp(text.Length / 6, 4, 512);
        var counts = new Dictionary<string, int>(expected, StringComparer.Ordinal);
        var words = new HashSet<string>(expected, StringComparer.Ordinal);
        int length = 0;
        var vocabulary = _words.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var token in TextAnalyzer.EnumerateTokens(text, stackalloc char[TextAnalyzer.MaxTokenLength]))
        {
            if (TextAnalyzer.IsStopWord(token))
            {
                continue;
            }

            string word, stem;
            if (vocabulary.TryGetValue(token, out var known, out var entry))
            {
                (word, stem) = (known, entry.Stem);
            }
            else
            {
                word = token.ToString();
                stem = TextAnalyzer.Stem(word);
            }

            ref int count = ref CollectionsMarshal.GetValueRefOrAddDefault(counts, stem, out _);
            count++;
            words.Add(word);
            length++;
        }

        var terms = new (string Stem, int Count)[counts.Count];
        int i = 0;
        foreach (var (stem, count) in counts)
        {
            terms[i++] = (stem, count);
        }

        return new AnalyzedText(terms, [.. words], length);
    }

    /// <summary>Indexes an analyzed text under a slot, replacing what the slot held. Writer only.</summary>
    public void Add(int slot, AnalyzedText text)
    {
        Remove(slot);
        Version++;
        foreach (var (term, tf) in text.Terms)
        {
            if (!_postings.TryGetValue(term, out var list))
            {
                list = [];
                _postings[term] = list;
            }

            list[slot] = tf;
        }

        foreach (var word in text.Words)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_words, word, out bool exists);
            if (exists)
            {
                entry.Count++;
            }
            else
            {
                entry = (TextAnalyzer.Stem(word), 1);
                AddDeletes(word);
            }
        }

        _docs[slot] = (text.Terms.Select(t => t.Stem).ToArray(), text.Length, text.Words);
        if (slot >= _lengths.Length)
        {
            Array.Resize(ref _lengths, Math.Max(slot + 1, _lengths.Length * 2));
        }

        _lengths[slot] = text.Length;
        _totalLength += text.Length;
    }

    public void Remove(int slot)
    {
        if (!_docs.Remove(slot, out var doc))
        {
            return;
        }

        Version++;
        _totalLength -= doc.Length;
        _lengths[slot] = 0;
        foreach (var term in doc.Terms)
        {
            if (_postings.TryGetValue(term, out var list))
            {
                list.Remove(slot);
                if (list.Count == 0)
                {
                    _postings.Remove(term);
                }
            }
        }

        foreach (var word in doc.Words)
        {
            if (_words.TryGetValue(word, out var entry))
            {
                if (entry.Count <= 1)
                {
                    _words.Remove(word);
                    RemoveDeletes(word);
                }
                else
                {
                    _words[word] = (entry.Stem, entry.Count - 1);
                }
            }
        }
    }

    public bool Contains(string term) => _postings.ContainsKey(term);

    /// <summary>True when some document contains <paramref name="word"/> as written (lower case).</summary>
    public bool ContainsWord(string word) => _words.ContainsKey(word);

    /// <summary>
    /// The <paramref name="top"/> accepted documents with the highest BM25 score for the weighted terms, best first
    /// (ties by slot). Scores accumulate in a pooled array indexed by slot, so a query allocates almost nothing.
    /// </summary>
    /// <param name="terms">Query terms with a weight each (1 for exact terms, less for fuzzy corrections).</param>
    /// <param name="accept">Filter on slots; null accepts all. Called at most once per slot.</param>
    /// <param name="top">How many documents.</param>
    public List<(int Slot, double Score)> Top(IReadOnlyList<(string Term, double Weight)> terms, Func<int, bool>? accept, int top)
    {
        int n = _docs.Count;
        if (n == 0 || top <= 0 || terms.Count == 0)
        {
            return [];
        }

        int size = _lengths.Length;
        var scores = ArrayPool<double>.Shared.Rent(size);
        var state = s_statePool.Rent(size);
        var touched = new List<int>();
        try
        {
            double avgLength = Math.Max(1.0, (double)_totalLength / n);
            foreach (var (term, weight) in terms)
            {
                if (!_postings.TryGetValue(term, out var postings))
                {
                    continue;
                }

                double df = postings.Count;
                double idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
                foreach (var (slot, tf) in postings)
                {
                    // state: 0 unseen, 1 accepted, -1 rejected.
                    if (state[slot] == 0)
                    {
                        state[slot] = accept is null || accept(slot) ? (sbyte)1 : (sbyte)-1;
                        touched.Add(slot);
                        scores[slot] = 0;
                    }

                    if (state[slot] < 0)
                    {
                        continue;
                    }

                    double length = _lengths[slot];
                    scores[slot] += weight * idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * length / avgLength))));
                }
            }

            return TakeTop(scores, state, touched, top);
        }
        finally
        {
            foreach (var slot in touched)
            {
                state[slot] = 0;
            }

            ArrayPool<double>.Shared.Return(scores);
            s_statePool.Return(state);
        }
    }

    /// <summary>
    /// Like <see cref="Top"/>, but every document is scored as if its conversational neighbours' terms were part of
    /// it, each weighted by <see cref="ConversationContext.Weights"/> (BM25 over "folded" documents: term
    /// frequencies, document lengths and document frequencies all count the neighbours). Folding happens at query
    /// time from the ordinary postings, so nothing is re-indexed when a conversation grows.
    /// </summary>
    /// <param name="terms">Query terms with a weight each.</param>
    /// <param name="context">Who neighbours whom, with the folded document lengths.</param>
    /// <param name="accept">Filter on slots; null accepts all. Called at most once per slot.</param>
    /// <param name="top">How many documents.</param>
    public List<(int Slot, double Score)> TopInContext(IReadOnlyList<(string Term, double Weight)> terms, ConversationContext context, Func<int, bool>? accept, int top)
    {
        if (context.IsEmpty || context.FoldedLengths.Length == 0)
        {
            return Top(terms, accept, top);
        }

        var result = new List<(int, double)>();
        int n = _docs.Count;
        if (n == 0 || top <= 0 || terms.Count == 0)
        {
            return result;
        }

        int size = Math.Max(_lengths.Length, context.FoldedLengths.Length);
        var scores = ArrayPool<double>.Shared.Rent(size);
        var folded = ArrayPool<double>.Shared.Rent(size);
        var state = s_statePool.Rent(size);
        var touched = new List<int>();
        var termTouched = new List<int>();
        Span<(int Slot, float Weight)> neighbours = stackalloc (int, float)[ConversationContext.MaxNeighbours];
        folded.AsSpan(0, size).Clear();
        try
        {
            double avgLength = Math.Max(1.0, context.AverageFoldedLength);
            foreach (var (term, weight) in terms)
            {
                if (!_postings.TryGetValue(term, out var postings))
                {
                    continue;
                }

                // Spread each posting's frequency over the documents whose context holds it.
                termTouched.Clear();
                foreach (var (slot, tf) in postings)
                {
                    Spread(slot, tf, 1f);
                    int count = context.Neighbours(slot, neighbours);
                    for (int i = 0; i < count; i++)
                    {
                        Spread(neighbours[i].Slot, tf, neighbours[i].Weight);
                    }
                }

                double df = termTouched.Count;
                double idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
                foreach (var slot in termTouched)
                {
                    double tf = folded[slot];
                    folded[slot] = 0;
                    if (state[slot] < 0)
                    {
                        continue;
                    }

                    double length = slot < context.FoldedLengths.Length ? context.FoldedLengths[slot] : _lengths[slot];
                    scores[slot] += weight * idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * length / avgLength))));
                }
            }

            return TakeTop(scores, state, touched, top);
        }
        finally
        {
            foreach (var slot in touched)
            {
                state[slot] = 0;
            }

            ArrayPool<double>.Shared.Return(scores);
            ArrayPool<double>.Shared.Return(folded);
            s_statePool.Return(state);
        }

        void Spread(int slot, int tf, float w)
        {
            if ((uint)slot >= (uint)size || !_docs.ContainsKey(slot))
            {
                return;
            }

            if (state[slot] == 0)
            {
                state[slot] = accept is null || accept(slot) ? (sbyte)1 : (sbyte)-1;
                touched.Add(slot);
                scores[slot] = 0;
            }

            if (folded[slot] == 0)
            {
                termTouched.Add(slot);
            }

            folded[slot] += tf * w;
        }
    }

    private static List<(int Slot, double Score)> TakeTop(double[] scores, sbyte[] state, List<int> touched, int top)
    {
        var heap = new PriorityQueue<int, (double Score, int Slot)>(Math.Min(top, touched.Count) + 1, WorstFirst.Instance);

        // The worst of a full heap, kept in locals: most documents of a common term lose to it on one comparison.
        double worstScore = double.NegativeInfinity;
        int worstSlot = int.MaxValue;
        foreach (var slot in touched)
        {
            if (state[slot] < 0)
            {
                continue;
            }

            double score = scores[slot];
            if (heap.Count < top)
            {
                heap.Enqueue(slot, (score, slot));
            }
            else if (score > worstScore || (score == worstScore && slot < worstSlot))
            {
                heap.DequeueEnqueue(slot, (score, slot));
            }
            else
            {
                continue;
            }

            if (heap.Count == top)
            {
                heap.TryPeek(out _, out var worst);
                (worstScore, worstSlot) = worst;
            }
        }

        var result = new List<(int, double)>(heap.Count);
        while (heap.TryDequeue(out var slot, out var key))
        {
            result.Add((slot, key.Score));
        }

        result.Reverse();
        return result;
    }

    /// <summary>
    /// Indexed words within a small edit distance of <paramref name="word"/> (a lower-case token as written) whose
    /// stem differs from the word's own stem (same-stem words are already exact matches), with that stem.
    /// </summary>
    public List<(string Word, string Stem, int Distance)> FuzzyMatches(string word)
    {
        var found = new List<(string, string, int)>();
        if (word.Length < MinFuzzyLength || !char.IsLetter(word[0]))
        {
            return found;
        }

        int maxDistance = word.Length >= 8 ? 2 : 1;
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        if (_deletes.TryGetValue(word, out var direct))
        {
            candidates.UnionWith(direct);
        }

        foreach (var variant in DeletionVariants(word))
        {
            if (_words.ContainsKey(variant))
            {
                candidates.Add(variant);
            }

            if (_deletes.TryGetValue(variant, out var set))
            {
                candidates.UnionWith(set);
            }
        }

        var ownStem = TextAnalyzer.Stem(word);
        foreach (var candidate in candidates)
        {
            if (candidate == word || !_words.TryGetValue(candidate, out var entry) || entry.Stem == ownStem)
            {
                continue;
            }

            int d = EditDistance.DamerauLevenshtein(word, candidate, maxDistance);
            if (d <= maxDistance)
            {
                found.Add((candidate, entry.Stem, d));
            }
        }

        return found;
    }

    /// <summary>True when the document in a slot contains the word as written.</summary>
    public bool DocumentHasWord(int slot, string word) => _docs.TryGetValue(slot, out var doc) && doc.Words.Contains(word, StringComparer.Ordinal);

    private void AddDeletes(string term)
    {
        if (term.Length < MinFuzzyLength - 1 || !char.IsLetter(term[0]))
        {
            return;
        }

        foreach (var variant in DeletionVariants(term))
        {
            if (!_deletes.TryGetValue(variant, out var set))
            {
                set = new HashSet<string>(StringComparer.Ordinal);
                _deletes[variant] = set;
            }

            set.Add(term);
        }
    }

    private void RemoveDeletes(string term)
    {
        foreach (var variant in DeletionVariants(term))
        {
            if (_deletes.TryGetValue(variant, out var set))
            {
                set.Remove(term);
                if (set.Count == 0)
                {
                    _deletes.Remove(variant);
                }
            }
        }
    }

    private static IEnumerable<string> DeletionVariants(string term)
    {
        for (int i = 0; i < term.Length; i++)
        {
            yield return string.Concat(term.AsSpan(0, i), term.AsSpan(i + 1));
        }
    }

    /// <summary>Orders (score, slot) so the heap's head is the worst kept: lowest score, then highest slot.</summary>
    private sealed class WorstFirst : IComparer<(double Score, int Slot)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((double Score, int Slot) x, (double Score, int Slot) y)
        {
            int byScore = x.Score.CompareTo(y.Score);
            return byScore != 0 ? byScore : y.Slot.CompareTo(x.Slot);
        }
    }
}

/// <summary>A text split into index terms (see <see cref="Bm25Index.Analyze"/>).</summary>
/// <param name="Terms">Distinct stems with their counts.</param>
/// <param name="Words">Distinct words as written (for typo tolerance).</param>
/// <param name="Length">How many terms the text has (its BM25 length).</param>
internal sealed record AnalyzedText((string Stem, int Count)[] Terms, string[] Words, int Length);
