namespace KernelMemoryPlus;

/// <summary>A request to find the memories most relevant to a text.</summary>
public sealed record RecallQuery
{
    /// <summary>The namespace to search.</summary>
    public required string Namespace { get; init; }

    /// <summary>What to look for, in natural language.</summary>
    public required string Text { get; init; }

    /// <summary>How many results (1 to the configured maximum; default 10).</summary>
    public int Limit { get; init; } = 10;

    /// <summary>Conditions results must meet.</summary>
    public MemoryFilter? Filter { get; init; }

    /// <summary>Drop results whose final score is below this (0..1).</summary>
    public double MinScore { get; init; }

    /// <summary>Overrides the configured scoring weights for this query.</summary>
    public RetrievalWeights? Weights { get; init; }

    /// <summary>
    /// Diversity: 0 returns the best-scored results; up to 1 trades relevance for variety by maximal marginal
    /// relevance (MMR). Default 0.
    /// </summary>
    public double Diversity { get; init; }

    /// <summary>How many link hops activation spreads from the direct hits (0 = off, max 3).</summary>
    public int SpreadDepth { get; init; }

    /// <summary>Count this recall as an access (access statistics and link strengthening). Default true.</summary>
    public bool TrackAccess { get; init; } = true;

    /// <summary>Include the per-component score explanation in results. Default true.</summary>
    public bool Explain { get; init; } = true;
}
