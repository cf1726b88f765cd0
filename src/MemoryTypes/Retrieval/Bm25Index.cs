namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// An in-memory BM25 inverted index over analyzed terms, with a typo-tolerant term lookup built on a
/// one-deletion neighbourhood (the SymSpell idea): a query term finds indexed terms within Damerau edit distance 1
/// (2 for long words when both sides share a one-deletion variant) without scanning the vocabulary.
/// </summary>
/// <remarks>Not thread-safe: the owning namespace index guards it with its reader/writer lock.</remarks>
internal sealed class Bm25Index
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private const int MinFuzzyLength = 4;

    private readonly Dictionary<string, Dictionary<int, int>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<int, (string[] Terms, int Length)> _docs = [];
    private readonly Dictionary<string, HashSet<string>> _deletes = new(StringComparer.Ordinal);
    private long _totalLength;

    public int DocumentCount => _docs.Count;

    public int VocabularySize => _postings.Count;

    public void Add(int slot, IReadOnlyList<string> terms)
    {
        Remove(slot);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var t in terms)
        {
            counts[t] = counts.GetValueOrDefault(t) + 1;
        }

        foreach (var (term, tf) in counts)
        {
            if (!_postings.TryGetValue(term, out var list))
            {
                list = [];
                _postings[term] = list;
                AddDeletes(term);
            }

            list[slot] = tf;
        }

        _docs[slot] = ([.. counts.Keys], terms.Count);
        _totalLength += terms.Count;
    }

    public void Remove(int slot)
    {
        if (!_docs.Remove(slot, out var doc))
        {
            return;
        }

        _totalLength -= doc.Length;
        foreach (var term in doc.Terms)
        {
            if (_postings.TryGetValue(term, out var list))
            {
                list.Remove(slot);
                if (list.Count == 0)
                {
                    _postings.Remove(term);
                    RemoveDeletes(term);
                }
            }
        }
    }

    public bool Contains(string term) => _postings.ContainsKey(term);

    /// <summary>BM25 scores of the accepted documents containing any of the terms.</summary>
    /// <param name="terms">Query terms with a weight each (1 for exact terms, less for fuzzy corrections).</param>
    /// <param name="accept">Filter on slots; null accepts all.</param>
    public Dictionary<int, double> Score(IEnumerable<(string Term, double Weight)> terms, Func<int, bool>? accept)
    {
        var scores = new Dictionary<int, double>();
        int n = _docs.Count;
        if (n == 0)
        {
            return scores;
        }

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
                if (accept is not null && !accept(slot))
                {
                    continue;
                }

                double length = _docs[slot].Length;
                double s = idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * length / avgLength))));
                scores[slot] = scores.GetValueOrDefault(slot) + (weight * s);
            }
        }

        return scores;
    }

    /// <summary>Indexed terms within a small edit distance of <paramref name="term"/>, excluding the term itself.</summary>
    public List<(string Term, int Distance)> FuzzyMatches(string term)
    {
        var found = new List<(string, int)>();
        if (term.Length < MinFuzzyLength || !char.IsLetter(term[0]))
        {
            return found;
        }

        int maxDistance = term.Length >= 8 ? 2 : 1;
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        if (_deletes.TryGetValue(term, out var direct))
        {
            candidates.UnionWith(direct);
        }

        foreach (var variant in DeletionVariants(term))
        {
            if (_postings.ContainsKey(variant))
            {
                candidates.Add(variant);
            }

            if (_deletes.TryGetValue(variant, out var set))
            {
                candidates.UnionWith(set);
            }
        }

        foreach (var candidate in candidates)
        {
            if (candidate == term)
            {
                continue;
            }

            int d = EditDistance.DamerauLevenshtein(term, candidate, maxDistance);
            if (d <= maxDistance)
            {
                found.Add((candidate, d));
            }
        }

        return found;
    }

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
}
