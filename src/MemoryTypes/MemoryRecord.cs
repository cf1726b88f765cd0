namespace KernelMemoryPlus;

/// <summary>One memory as the engine returns it. Immutable: changes go through the engine and produce a new version.</summary>
/// <remarks>
/// Security: <see cref="Content"/>, tags and metadata are whatever an agent or user stored. When they flow back into a
/// prompt, treat them as untrusted data, never as instructions.
/// </remarks>
public sealed record MemoryRecord
{
    /// <summary>Unique, time-ordered id (a version 7 GUID in "N" format).</summary>
    public required string Id { get; init; }

    /// <summary>The namespace (tenant, user, agent or project scope) the memory belongs to.</summary>
    public required string Namespace { get; init; }

    /// <summary>The memory type.</summary>
    public required MemoryKind Kind { get; init; }

    /// <summary>The text of the memory.</summary>
    public required string Content { get; init; }

    /// <summary>Tags, compared case-insensitively.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Free-form string metadata.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>Importance between 0 and 1 (default 0.5).</summary>
    public double Importance { get; init; } = 0.5;

    /// <summary>When the memory was first stored.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the memory last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the remembered thing happened (defaults to <see cref="CreatedAt"/>).</summary>
    public DateTimeOffset OccurredAt { get; init; }

    /// <summary>Start of the interval in which the memory holds true; null means since always.</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>End of the interval in which the memory holds true (exclusive); null means still valid.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>How often the memory was returned by a recall or read.</summary>
    public long AccessCount { get; init; }

    /// <summary>When the memory was last returned by a recall or read.</summary>
    public DateTimeOffset? LastAccessedAt { get; init; }

    /// <summary>Version for optimistic concurrency; starts at 1 and grows with every change.</summary>
    public long Version { get; init; } = 1;

    /// <summary>The principal (agent, user) that wrote the memory.</summary>
    public string? Author { get; init; }

    /// <summary>The embedding model whose vector represents the memory.</summary>
    public string? EmbeddingModel { get; init; }

    /// <summary>Episodic: the session or episode the event belongs to.</summary>
    public string? SessionId { get; init; }

    /// <summary>Semantic: the entity the fact is about (or the entity's name, for an entity record).</summary>
    public string? Subject { get; init; }

    /// <summary>Semantic: the attribute or relation of the fact ("lives_in", "prefers").</summary>
    public string? Predicate { get; init; }

    /// <summary>Semantic: the value of the fact ("Paris"), or an entity's type.</summary>
    public string? Object { get; init; }

    /// <summary>Procedural: the procedure's name, shared by all its versions.</summary>
    public string? ProcedureName { get; init; }

    /// <summary>Procedural: the ordered steps.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    /// <summary>Procedural: how many times using it was reported a success.</summary>
    public int SuccessCount { get; init; }

    /// <summary>Procedural: how many times using it was reported a failure.</summary>
    public int FailureCount { get; init; }

    /// <summary>The id of the memory this one replaced (a superseded fact, an older procedure version).</summary>
    public string? Supersedes { get; init; }

    /// <summary>The id of the memory that replaced this one.</summary>
    public string? SupersededBy { get; init; }

    /// <summary>Pinned memories are never collected or decayed.</summary>
    public bool Pinned { get; init; }

    /// <summary>
    /// Private memories are seen only by their author, the namespace's owner and admins, administrators, and those
    /// given a grant on the memory itself, even when the namespace is shared.
    /// </summary>
    public bool Private { get; init; }

    /// <summary>True when the memory holds at <paramref name="at"/> (inside its validity interval).</summary>
    /// <param name="at">The moment to test.</param>
    /// <returns>Whether <paramref name="at"/> lies in [ValidFrom, ValidTo).</returns>
    public bool IsValidAt(DateTimeOffset at) => (ValidFrom is null || ValidFrom <= at) && (ValidTo is null || at < ValidTo);
}
