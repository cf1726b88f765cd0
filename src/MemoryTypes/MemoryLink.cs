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

    /// <summary>
    /// Makes the id of a new link: "{from}|{random}|{to}". The type is not part of it: ids are stored in clear (the
    /// links table's key, the change feed), and a link's type is sealed with encryption at rest. The engine finds an
    /// existing link of a type between two memories by its fields, so ids made by older versions
    /// ("{from}|{type}|{to}") keep working.
    /// </summary>
    /// <param name="fromId">Source memory id.</param>
    /// <param name="toId">Target memory id.</param>
    public static string NewId(string fromId, string toId) =>
        $"{fromId}|{Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8))}|{toId}";
}
