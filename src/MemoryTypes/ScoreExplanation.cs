namespace KernelMemoryPlus;

/// <summary>The components of a recall score, each between 0 and 1 unless stated.</summary>
public sealed record ScoreExplanation
{
    /// <summary>Cosine similarity of the query and memory vectors (-1..1), null if not a vector candidate.</summary>
    public double? VectorSimilarity { get; init; }

    /// <summary>Rank (1-based) in the dense-vector candidates.</summary>
    public int? VectorRank { get; init; }

    /// <summary>BM25 score in the keyword candidates (unbounded).</summary>
    public double? KeywordScore { get; init; }

    /// <summary>Rank (1-based) in the keyword candidates.</summary>
    public int? KeywordRank { get; init; }

    /// <summary>Rank (1-based) in the fuzzy (typo-tolerant) candidates.</summary>
    public int? FuzzyRank { get; init; }

    /// <summary>Rank (1-based) in the time-anchored candidates: memories that occurred when the query says (null when it names no time or the memory is outside it).</summary>
    public int? TimeRank { get; init; }

    /// <summary>Query terms matched only through typo tolerance, as "query→indexed".</summary>
    public IReadOnlyList<string> FuzzyMatches { get; init; } = [];

    /// <summary>Relevance: the fused rank score normalized to 0..1.</summary>
    public double Relevance { get; init; }

    /// <summary>Recency: 0.5 ^ (age / half-life).</summary>
    public double Recency { get; init; }

    /// <summary>Importance as stored (adjusted by outcomes for procedures).</summary>
    public double Importance { get; init; }

    /// <summary>Access frequency: log(1 + accesses) / log(1 + most accesses in the namespace).</summary>
    public double Frequency { get; init; }

    /// <summary>Activation received through links (0 if a direct hit only).</summary>
    public double LinkActivation { get; init; }

    /// <summary>
    /// The id of the memory whose link brought this one in: set when the memory did not match the query's words and
    /// its link activation outweighs its own vector match.
    /// </summary>
    public string? ReachedVia { get; init; }

    /// <summary>A one-line human-readable summary.</summary>
    public override string ToString() =>
        $"relevance {Relevance:0.000} (vector #{VectorRank?.ToString() ?? "-"}, keyword #{KeywordRank?.ToString() ?? "-"}, fuzzy #{FuzzyRank?.ToString() ?? "-"}{(TimeRank is int t ? $", time #{t}" : string.Empty)}), recency {Recency:0.000}, importance {Importance:0.000}, frequency {Frequency:0.000}" +
        (ReachedVia is null ? string.Empty : $", via link from {ReachedVia} ({LinkActivation:0.000})");
}
