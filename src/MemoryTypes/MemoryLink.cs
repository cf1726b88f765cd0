namespace KernelMemoryPlus;

/// <summary>A typed, weighted link between two memories (associative memory).</summary>
public sealed record MemoryLink
{
    /// <summary>The link's id: "{from}|{type}|{to}".</summary>
    public required string Id { get; init; }

    /// <summary>The namespace of the source memory.</summary>
    public required string Namespace { get; init; }

    /// <summary>The source memory.</summary>
    public required string FromId { get; init; }

    /// <summary>The target memory.</summary>
    public required string ToId { get; init; }

    /// <summary>The namespace of the target memory.</summary>
    public required string ToNamespace { get; init; }

    /// <summary>The relation ("related_to", "causes", "part_of", ...), lower snake case.</summary>
    public required string Type { get; init; }

    /// <summary>The stored strength between 0 and 1, as of <see cref="LastUsedAt"/>.</summary>
    public double Weight { get; init; }

    /// <summary>The strength now: <see cref="Weight"/> faded by the time since <see cref="LastUsedAt"/>.</summary>
    public double EffectiveWeight { get; init; }

    /// <summary>Whether the link can be followed from target to source too.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>When the link was made.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the link was last made, strengthened or used.</summary>
    public DateTimeOffset LastUsedAt { get; init; }

    /// <summary>How often the linked memories were used together.</summary>
    public long UseCount { get; init; }

    /// <summary>The principal that made the link.</summary>
    public string? Author { get; init; }

    /// <summary>Makes a link id.</summary>
    /// <param name="fromId">Source memory id.</param>
    /// <param name="type">Relation type.</param>
    /// <param name="toId">Target memory id.</param>
    /// <returns>"{from}|{type}|{to}".</returns>
    public static string MakeId(string fromId, string type, string toId) => $"{fromId}|{type}|{toId}";
}
