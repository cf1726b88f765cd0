using System.Runtime.CompilerServices;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    /// <summary>Reciprocal rank fusion constant (the value from the original RRF paper).</summary>
    private const double RrfK = 60;

    /// <summary>
    /// The share of the dense ranking in fusion when the embedder is the built-in <see cref="OfflineEmbeddingGenerator"/>.
    /// That model hashes the same words the keyword index holds, without their corpus statistics (IDF) or the
    /// conversational context, so at full weight its ranking mostly adds noise to the keyword ranking (on LoCoMo it
    /// cut recall@10 from 0.76 to 0.59); at a tenth it still breaks ties and finds memories no keyword reaches.
    /// A real embedding model (Ollama) keeps the configured <see cref="RetrievalWeights.Vector"/> unchanged.
    /// </summary>
    private const double LexicalEmbedderDenseScale = 0.1;

    /// <summary>The conversational context of each loaded namespace index, rebuilt when the index changes.</summary>
    private readonly ConditionalWeakTable<NamespaceIndex, ConversationContext> _contexts = new();

    /// <summary>
    /// True when the embedder is the built-in <see cref="OfflineEmbeddingGenerator"/>, whose vectors hash the same words
    /// the keyword index holds: its dense ranking only breaks ties (see <see cref="RetrievalWeights.Vector"/>), so a
    /// caller that ranks by words anyway may leave it out (a zero <see cref="RetrievalWeights.Vector"/>) and save the
    /// vector search.
    /// </summary>
    public bool EmbedderIsLexical => _embedder.GetService(typeof(OfflineEmbeddingGenerator)) is not null;

    /// <summary>
    /// Finds the memories most relevant to a text: dense-vector, BM25 keyword and typo-tolerant candidates are fused
    /// by reciprocal rank, then rescored by relevance, recency, importance and access frequency; optionally
    /// expanded along links (spreading activation) and diversified (MMR).
    /// </summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Results, best first, each with an explanation when asked.</returns>
    /// <exception cref="MemoryValidationException">A bad namespace, text, limit, filter or weight.</exception>
    public async Task<IReadOnlyList<RecallResult>> RecallAsync(RecallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        InputValidator.Namespace(query.Namespace);
        InputValidator.Content(query.Text, _options, "text");
        InputValidator.Limit(query.Limit, _options);
        InputValidator.Filter(query.Filter, _options);
        if (double.IsNaN(query.MinScore) || query.MinScore is < 0 or > 1)
        {
            throw new MemoryValidationException("minScore", "minScore must be between 0 and 1.");
        }

        if (double.IsNaN(query.Diversity) || query.Diversity is < 0 or > 1)
        {
            throw new MemoryValidationException("diversity", "diversity must be between 0 and 1.");
        }

        if (query.SpreadDepth is < 0 or > 3)
        {
            throw new MemoryValidationException("spreadDepth", "spreadDepth must be between 0 and 3.");
        }

        var weights = query.Weights ?? _options.Weights;
        if (query.Weights is not null)
        {
            weights.Validate("weights");
        }

        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, query.Namespace, cancellationToken);
        if (scope == ReadScope.Nothing)
        {
            return [];
        }

        var index = await GetIndexAsync(state, query.Namespace, cancellationToken);

        // Without a dense share the query is not embedded at all (no model call, no vector search).
        var queryVector = weights.Vector > 0 ? FlatVectorIndex.Normalize((await EmbedAsync(state, query.Text, cancellationToken)).Span) : [];
        var now = Now();
        var predicate = FilterEvaluator.Create(query.Filter, now);
        if (scope.Filter is { } visible)
        {
            // Only what the caller may read is a candidate (private memories of others, ungranted ones).
            var filter = predicate;
            predicate = r => visible(r) && filter(r);
        }

        var words = TextAnalyzer.Default.Tokenize(query.Text).Where(w => !TextAnalyzer.IsStopWord(w)).Distinct(StringComparer.Ordinal).ToList();
        var terms = words.Select(TextAnalyzer.Stem).Distinct(StringComparer.Ordinal).ToList();

        List<Scored> results;
        index.Lock.EnterReadLock();
        try
        {
            results = Rank(index, query, weights, queryVector, terms, words, predicate, scope.Filter is not null, now);
        }
        finally
        {
            index.Lock.ExitReadLock();
        }

        if (query.TrackAccess && results.Count > 0)
        {
            TrackAccess(index, results, now);
        }

        return results.Select(r => new RecallResult(r.Record, Math.Round(r.Score, 6), query.Explain ? r.Explain() : null)).ToList();
    }

    private List<Scored> Rank(
        NamespaceIndex index,
        RecallQuery query,
        RetrievalWeights weights,
        float[] queryVector,
        List<string> terms,
        List<string> words,
        Func<MemoryRecord, bool> predicate,
        bool restricted,
        DateTimeOffset now)
    {
        if (index.Count == 0)
        {
            return [];
        }

        int candidates = Math.Max(query.Limit * _options.CandidateMultiplier, 50);
        // The default filter (valid now) is answered from the index's validity arrays without touching records.
        long nowMs = now.ToUnixTimeMilliseconds();
        Func<int, bool> accept = query.Filter is null && !restricted
            ? slot => index.IsValidAt(slot, nowMs)
            : slot => predicate(index.RecordAt(slot));

        var scored = new Dictionary<int, Scored>(2 * candidates);
        Scored Get(int slot)
        {
            if (!scored.TryGetValue(slot, out var s))
            {
                s = new Scored(index.RecordAt(slot), slot);
                scored[slot] = s;
            }

            return s;
        }

        // Dense candidates.
        bool anyVector = false, anyKeyword = false, anyFuzzy = false, anyTime = false;
        double vectorWeight = weights.Vector * (EmbedderIsLexical ? LexicalEmbedderDenseScale : 1.0);
        if (vectorWeight > 0)
        {
            int rank = 0, position = 0;
            double previous = double.NaN;
            foreach (var (slot, similarity) in index.Vectors.Search(queryVector, candidates, accept))
            {
                var s = Get(slot);
                rank = TieRank(similarity, ref previous, ++position, rank);
                s.VectorRank = rank;
                s.VectorSimilarity = similarity;
                s.Fused += vectorWeight / (RrfK + rank);
                anyVector = true;
            }
        }

        // Keyword candidates (BM25 over analyzed terms).
        var weightedTerms = terms.ConvertAll(t => (t, 1.0));
        if (weights.Keyword > 0 && terms.Count > 0)
        {
            int rank = 0, position = 0;
            double previous = double.NaN;
            var context = ContextOf(index);
            foreach (var (slot, bm25) in index.Keywords.TopInContext(weightedTerms, context, accept, candidates))
            {
                var s = Get(slot);
                rank = TieRank(bm25, ref previous, ++position, rank);
                s.KeywordRank = rank;
                s.KeywordScore = bm25;
                s.Fused += weights.Keyword / (RrfK + rank);
                anyKeyword = true;
            }
        }

        // Time-anchored candidates: when the query names a time, the keyword ranking among the memories that occurred
        // then ("What did Gina find for her store on 1 February, 2023?" is about what was said that day).
        if (weights.Time > 0 && terms.Count > 0 && TimeExpressions.Find(query.Text, now) is { Count: > 0 } windows)
        {
            int rank = 0, position = 0;
            double previous = double.NaN;
            Func<int, bool> inTime = slot => accept(slot) && TimeExpressions.AnyContains(windows, index.RecordAt(slot).OccurredAt);
            foreach (var (slot, bm25) in index.Keywords.TopInContext(weightedTerms, ContextOf(index), inTime, candidates))
            {
                var s = Get(slot);
                rank = TieRank(bm25, ref previous, ++position, rank);
                s.TimeRank = rank;
                s.Fused += weights.Time / (RrfK + rank);
                anyTime = true;
            }
        }

        // Typo-tolerant candidates: indexed words within a small edit distance of a query word, scored by BM25 on
        // their stems and weighted down by the distance.
        var correctedWords = new List<(string Query, string Indexed)>();
        if (weights.Fuzzy > 0 && words.Count > 0)
        {
            var corrections = new List<(string Term, double Weight)>();
            foreach (var word in words)
            {
                // A word the namespace already holds as written is not a typo to correct: its near neighbours
                // ("dance" → "dancer", "cat" → "cap") would only add noise to what the exact terms found.
                if (index.Keywords.ContainsWord(word))
                {
                    continue;
                }

                foreach (var (match, stem, distance) in index.Keywords.FuzzyMatches(word))
                {
                    corrections.Add((stem, 1.0 / (1 + distance)));
                    correctedWords.Add((word, match));
                }
            }

            if (corrections.Count > 0)
            {
                int rank = 0, position = 0;
                double previous = double.NaN;
                foreach (var (slot, value) in index.Keywords.Top(corrections, accept, candidates))
                {
                    var s = Get(slot);
                    rank = TieRank(value, ref previous, ++position, rank);
                    s.FuzzyRank = rank;
                    s.Fused += weights.Fuzzy / (RrfK + rank);
                    anyFuzzy = true;
                }
            }
        }

        double bestPossible = ((anyVector ? vectorWeight : 0) + (anyKeyword ? weights.Keyword : 0) + (anyFuzzy ? weights.Fuzzy : 0) + (anyTime ? weights.Time : 0)) / (RrfK + 1);
        double weightSum = weights.Relevance + weights.Recency + weights.Importance + weights.Frequency;
        double maxAccessLog = Math.Log(1 + Math.Max(1, index.MaxAccessCount));
        double halfLifeMs = weights.RecencyHalfLife.TotalMilliseconds;

        void Finish(Scored s)
        {
            var r = s.Record;
            s.Relevance = bestPossible > 0 ? Math.Min(1, s.Fused / bestPossible) : 0;
            double ageMs = Math.Max(0, (now - r.OccurredAt).TotalMilliseconds);
            s.Recency = Math.Pow(0.5, ageMs / halfLifeMs);
            s.Importance = r.Kind == MemoryKind.Procedural
                ? (0.5 * r.Importance) + (0.5 * ((r.SuccessCount + 1.0) / (r.SuccessCount + r.FailureCount + 2.0)))
                : r.Importance;
            s.Frequency = Math.Log(1 + r.AccessCount) / maxAccessLog;
            s.Score = ((weights.Relevance * (s.Relevance + s.LinkActivation)) + (weights.Recency * s.Recency)
                + (weights.Importance * s.Importance) + (weights.Frequency * s.Frequency)) / weightSum;
            s.Score = Math.Clamp(s.Score, 0, 1);
        }

        foreach (var s in scored.Values)
        {
            Finish(s);
        }

        var ranked = new List<Scored>(scored.Values);
        ranked.Sort(Scored.BestFirst);

        if (query.SpreadDepth > 0)
        {
            ranked = Spread(index, ranked, query, predicate, now, Get, Finish);
        }

        ranked = ranked.Where(s => s.Score >= query.MinScore).ToList();
        if (query.Diversity > 0 && ranked.Count > 1)
        {
            ranked = Diversify(index, ranked, query.Limit, 1 - query.Diversity);
        }

        var top = ranked.Count > query.Limit ? ranked.GetRange(0, query.Limit) : ranked;

        // The corrections each returned memory was found through (worked out for the results only).
        if (correctedWords.Count > 0)
        {
            foreach (var s in top)
            {
                if (s.FuzzyRank is not null)
                {
                    s.FuzzyMatches = correctedWords.Where(c => index.Keywords.DocumentHasWord(s.Slot, c.Indexed)).Select(c => $"{c.Query}→{c.Indexed}").Distinct(StringComparer.Ordinal).ToList();
                }
            }
        }

        return top;
    }

    /// <summary>The namespace's conversational context (read lock held), built on first use and after every change.</summary>
    private ConversationContext ContextOf(NamespaceIndex index)
    {
        if (_contexts.TryGetValue(index, out var context) && context.IsCurrent(index))
        {
            return context;
        }

        // Two readers may build at once; both results are correct and the last one stays.
        context = ConversationContext.Build(index);
        _contexts.AddOrUpdate(index, context);
        return context;
    }

    /// <summary>
    /// Standard competition ranking ("1224"): a candidate scoring the same as the one before it shares its rank, so
    /// memories that match equally (identical texts) get equal relevance and the other components decide.
    /// </summary>
    private static int TieRank(double score, ref double previous, int position, int previousRank)
    {
        bool tie = Math.Abs(score - previous) <= 1e-6 * Math.Max(1, Math.Abs(score));
        previous = score;
        return tie ? previousRank : position;
    }

    /// <summary>Spreading activation: the best hits pass part of their score to the memories they link to.</summary>
    private List<Scored> Spread(
        NamespaceIndex index,
        List<Scored> ranked,
        RecallQuery query,
        Func<MemoryRecord, bool> predicate,
        DateTimeOffset now,
        Func<int, Scored> get,
        Action<Scored> finish)
    {
        const double Decay = 0.5;
        var frontier = ranked.Take(query.Limit).Select(s => (s.Record.Id, Activation: s.Relevance)).ToList();
        var visited = frontier.Select(f => f.Id).ToHashSet(StringComparer.Ordinal);
        for (int hop = 1; hop <= query.SpreadDepth && frontier.Count > 0; hop++)
        {
            var next = new List<(string, double)>();
            foreach (var (id, activation) in frontier)
            {
                foreach (var link in index.LinksOf(id, LinkDirection.Outgoing))
                {
                    string neighbour = link.FromId == id ? link.ToId : link.FromId;
                    if (index.SlotOf(neighbour) is not int slot || !predicate(index.RecordAt(slot)))
                    {
                        continue;
                    }

                    double passed = activation * EffectiveWeight(link, now) * Decay;
                    if (passed < 0.01)
                    {
                        continue;
                    }

                    var s = get(slot);
                    if (passed > s.LinkActivation)
                    {
                        s.LinkActivation = passed;

                        // The link brought the memory in unless the memory matched the query's words itself and that
                        // match counts for more than the link. Being a dense candidate alone does not count as a direct
                        // hit: below the candidate pool size every memory of a namespace is one, however unrelated.
                        if ((s.KeywordRank is null && s.FuzzyRank is null && s.TimeRank is null) || passed > s.Relevance)
                        {
                            s.ReachedVia = id;
                        }
                    }

                    if (visited.Add(neighbour))
                    {
                        next.Add((neighbour, passed));
                    }
                }
            }

            frontier = next;
        }

        var all = ranked.Select(s => s.Slot).ToHashSet();
        foreach (var s in ranked)
        {
            finish(s);
        }

        var extra = new List<Scored>();
        foreach (var (id, _) in visited.Select(v => (v, 0)))
        {
            if (index.SlotOf(id) is int slot && !all.Contains(slot))
            {
                var s = get(slot);
                finish(s);
                extra.Add(s);
            }
        }

        var merged = new List<Scored>(ranked.Count + extra.Count);
        merged.AddRange(ranked);
        merged.AddRange(extra);
        merged.Sort(Scored.BestFirst);
        return merged;
    }

    /// <summary>Maximal marginal relevance: trades score for dissimilarity to what was already picked.</summary>
    private static List<Scored> Diversify(NamespaceIndex index, List<Scored> ranked, int limit, double lambda)
    {
        var pool = ranked.Take(Math.Max(limit * 4, 20)).ToList();
        var picked = new List<Scored>(limit);
        while (picked.Count < limit && pool.Count > 0)
        {
            Scored? best = null;
            double bestValue = double.NegativeInfinity;
            foreach (var candidate in pool)
            {
                double maxSimilarity = 0;
                foreach (var p in picked)
                {
                    maxSimilarity = Math.Max(maxSimilarity, System.Numerics.Tensors.TensorPrimitives.Dot(index.Vectors.Get(candidate.Slot), index.Vectors.Get(p.Slot)));
                }

                double value = (lambda * candidate.Score) - ((1 - lambda) * maxSimilarity);
                if (value > bestValue)
                {
                    bestValue = value;
                    best = candidate;
                }
            }

            picked.Add(best!);
            pool.Remove(best!);
        }

        return picked;
    }

    /// <summary>Counts the access and strengthens the links between memories recalled together.</summary>
    private void TrackAccess(NamespaceIndex index, List<Scored> results, DateTimeOffset now)
    {
        var ids = results.Select(r => r.Record.Id).ToHashSet(StringComparer.Ordinal);
        index.Lock.EnterWriteLock();
        try
        {
            foreach (var r in results)
            {
                if (index.Get(r.Record.Id) is { } current)
                {
                    var touched = current with { AccessCount = current.AccessCount + 1, LastAccessedAt = now };
                    index.ReplaceRecord(touched);
                    r.Record = touched;
                    _dirtyAccess[current.Id] = index.Namespace;
                }
            }

            StrengthenLinks(index, ids, now);
        }
        finally
        {
            index.Lock.ExitWriteLock();
        }
    }

    /// <summary>The strength of a link now: its weight halved for every <see cref="KernelMemoryPlusOptions.LinkHalfLife"/> unused.</summary>
    internal double EffectiveWeight(MemoryLink link, DateTimeOffset now)
    {
        double unusedMs = Math.Max(0, (now - link.LastUsedAt).TotalMilliseconds);
        return link.Weight * Math.Pow(0.5, unusedMs / _options.LinkHalfLife.TotalMilliseconds);
    }

    private MemoryLink DecayLink(MemoryLink link) => link with { EffectiveWeight = EffectiveWeight(link, Now()) };

    private sealed class Scored(MemoryRecord record, int slot)
    {
        /// <summary>Best score first, ties by id (ordinal), so equal scores come back in a stable order.</summary>
        public static readonly Comparison<Scored> BestFirst = static (a, b) =>
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : string.CompareOrdinal(a.Record.Id, b.Record.Id);
        };

        public MemoryRecord Record { get; set; } = record;

        public int Slot { get; } = slot;

        public double Fused { get; set; }

        public int? VectorRank { get; set; }

        public double? VectorSimilarity { get; set; }

        public int? KeywordRank { get; set; }

        public double? KeywordScore { get; set; }

        public int? FuzzyRank { get; set; }

        public IReadOnlyList<string> FuzzyMatches { get; set; } = [];

        public int? TimeRank { get; set; }

        public double Relevance { get; set; }

        public double Recency { get; set; }

        public double Importance { get; set; }

        public double Frequency { get; set; }

        public double LinkActivation { get; set; }

        public string? ReachedVia { get; set; }

        public double Score { get; set; }

        public ScoreExplanation Explain() => new()
        {
            VectorSimilarity = VectorSimilarity is double v ? Math.Round(v, 6) : null,
            VectorRank = VectorRank,
            KeywordScore = KeywordScore is double k ? Math.Round(k, 6) : null,
            KeywordRank = KeywordRank,
            FuzzyRank = FuzzyRank,
            FuzzyMatches = FuzzyMatches,
            TimeRank = TimeRank,
            Relevance = Math.Round(Relevance, 6),
            Recency = Math.Round(Recency, 6),
            Importance = Math.Round(Importance, 6),
            Frequency = Math.Round(Frequency, 6),
            LinkActivation = Math.Round(LinkActivation, 6),
            ReachedVia = ReachedVia,
        };
    }
}

