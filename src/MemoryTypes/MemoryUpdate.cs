namespace KernelMemoryPlus;

/// <summary>A partial change to a memory: null members are left as they are.</summary>
public sealed record MemoryUpdate
{
    /// <summary>New content (re-embedded).</summary>
    public string? Content { get; init; }

    /// <summary>Replaces the tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Replaces the metadata.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>New importance between 0 and 1.</summary>
    public double? Importance { get; init; }

    /// <summary>New time of occurrence.</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>New end of validity.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>New pinned state.</summary>
    public bool? Pinned { get; init; }

    /// <summary>Makes the memory private to its author, or shared with the namespace again (the author or a namespace admin only).</summary>
    public bool? Private { get; init; }

    /// <summary>New procedure steps.</summary>
    public IReadOnlyList<string>? Steps { get; init; }

    /// <summary>The principal making the change.</summary>
    public string? Author { get; init; }
}
