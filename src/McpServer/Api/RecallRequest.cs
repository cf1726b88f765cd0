namespace KernelMemoryPlus.Server.Api;

/// <summary>A search for the memories most relevant to a text (<c>POST /api/v1/recall</c>). Absent members take the engine's defaults.</summary>
public sealed record RecallRequest
{
    /// <summary>The namespace to search. Required.</summary>
    public string? Namespace { get; init; }

    /// <summary>What to look for, in natural language. Required.</summary>
    public string? Text { get; init; }

    /// <summary>How many results, from 1 to the configured maximum (default 10).</summary>
    public int? Limit { get; init; }

    /// <summary>Conditions the results must meet (kinds, tags, time range, metadata, validity).</summary>
    public MemoryFilter? Filter { get; init; }

    /// <summary>Drop results whose final score is below this, 0 to 1 (default 0).</summary>
    public double? MinScore { get; init; }

    /// <summary>Scoring weights for this query instead of the configured ones.</summary>
    public RetrievalWeights? Weights { get; init; }

    /// <summary>0 (default) returns the best-scored results; up to 1 trades relevance for variety (MMR).</summary>
    public double? Diversity { get; init; }

    /// <summary>How many link hops activation spreads from the direct hits, 0 (default, off) to 3.</summary>
    public int? SpreadDepth { get; init; }

    /// <summary>Count this recall as an access of the results (default true).</summary>
    public bool? TrackAccess { get; init; }

    /// <summary>Include each result's score explanation (default true).</summary>
    public bool? Explain { get; init; }

    /// <summary>The engine's query; absent required members reach the engine empty, so it names them.</summary>
    internal RecallQuery ToQuery()
    {
        var query = new RecallQuery { Namespace = Namespace ?? string.Empty, Text = Text ?? string.Empty, Filter = Filter, Weights = Weights };
        return query with
        {
            Limit = Limit ?? query.Limit,
            MinScore = MinScore ?? query.MinScore,
            Diversity = Diversity ?? query.Diversity,
            SpreadDepth = SpreadDepth ?? query.SpreadDepth,
            TrackAccess = TrackAccess ?? query.TrackAccess,
            Explain = Explain ?? query.Explain,
        };
    }
}
