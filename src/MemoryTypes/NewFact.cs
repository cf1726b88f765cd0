namespace KernelMemoryPlus;

/// <summary>A fact to store: subject, predicate, object, and optionally a sentence stating it.</summary>
public sealed record NewFact
{
    /// <summary>The namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The entity the fact is about ("Alice").</summary>
    public required string Subject { get; init; }

    /// <summary>The attribute or relation ("lives in"; stored as lower snake case "lives_in").</summary>
    public required string Predicate { get; init; }

    /// <summary>The value ("Paris").</summary>
    public required string Object { get; init; }

    /// <summary>The fact as a sentence; default "{Subject} {predicate} {Object}".</summary>
    public string? Content { get; init; }

    /// <summary>
    /// True when the subject can have many values of this predicate at once (for example "likes"), so a new value
    /// does not replace the old ones. Default false: a new value replaces the current one.
    /// </summary>
    public bool MultiValued { get; init; }

    /// <summary>An explicit fact this one replaces (any predicate).</summary>
    public string? Supersedes { get; init; }

    /// <summary>Since when the fact holds (default now). The replaced fact's validity ends here.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Metadata.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Importance 0..1.</summary>
    public double? Importance { get; init; }

    /// <summary>Private to its author inside a shared namespace (see <see cref="MemoryRecord.Private"/>).</summary>
    public bool Private { get; init; }

    /// <summary>Who stated the fact.</summary>
    public string? Author { get; init; }
}
