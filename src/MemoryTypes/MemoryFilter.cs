namespace KernelMemoryPlus;

/// <summary>Conditions a memory must meet to be listed or recalled. All given conditions must hold.</summary>
public sealed record MemoryFilter
{
    /// <summary>Only these kinds (empty or null: all).</summary>
    public IReadOnlyList<MemoryKind>? Kinds { get; init; }

    /// <summary>Every one of these tags must be present (case-insensitive).</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>At least one of these tags must be present.</summary>
    public IReadOnlyList<string>? AnyTags { get; init; }

    /// <summary>Occurred at or after.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Occurred before (exclusive).</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Every metadata key must have exactly the given value.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Episodic session.</summary>
    public string? SessionId { get; init; }

    /// <summary>Written by this principal.</summary>
    public string? Author { get; init; }

    /// <summary>
    /// Only memories valid at this moment; when null, only memories valid now (superseded facts are hidden).
    /// </summary>
    public DateTimeOffset? ValidAt { get; init; }

    /// <summary>Include memories whose validity has ended (history). Overrides <see cref="ValidAt"/>.</summary>
    public bool IncludeExpired { get; init; }
}
