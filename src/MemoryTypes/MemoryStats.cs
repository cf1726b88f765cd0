namespace KernelMemoryPlus;

/// <summary>Counts of what a store or namespace holds.</summary>
public sealed record MemoryStats
{
    /// <summary>How many namespaces were counted.</summary>
    public int Namespaces { get; init; }

    /// <summary>How many memories.</summary>
    public int Memories { get; init; }

    /// <summary>Memories per kind.</summary>
    public IReadOnlyDictionary<MemoryKind, int> ByKind { get; init; } = new Dictionary<MemoryKind, int>();

    /// <summary>How many links start in the counted namespaces.</summary>
    public int Links { get; init; }

    /// <summary>Memories whose validity has ended (superseded facts, old procedure versions).</summary>
    public int NoLongerValid { get; init; }

    /// <summary>The last change-feed sequence number.</summary>
    public long LastSequence { get; init; }

    /// <summary>The embedding model.</summary>
    public string EmbeddingModel { get; init; } = "";

    /// <summary>The embedding dimensions.</summary>
    public int Dimensions { get; init; }

    /// <summary>The store's system name ("kmp-sqlite", "kmp-inmemory", ...).</summary>
    public string Store { get; init; } = "";
}
