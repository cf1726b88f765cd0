namespace KernelMemoryPlus;

/// <summary>A record of one write conflict and how the namespace's policy resolved it.</summary>
public sealed record ConflictResolution
{
    /// <summary>The record's id.</summary>
    public required string Id { get; init; }

    /// <summary>The namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The memory written.</summary>
    public required string MemoryId { get; init; }

    /// <summary>The policy that applied.</summary>
    public required ConflictPolicy Policy { get; init; }

    /// <summary>"rejected", "overwritten" or "merged".</summary>
    public required string Outcome { get; init; }

    /// <summary>The version the writer based its change on.</summary>
    public required long ExpectedVersion { get; init; }

    /// <summary>The version it found.</summary>
    public required long FoundVersion { get; init; }

    /// <summary>The version the write produced, or null when it was rejected.</summary>
    public long? ResultVersion { get; init; }

    /// <summary>Who wrote.</summary>
    public string? Principal { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset At { get; init; }
}
