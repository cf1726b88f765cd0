namespace KernelMemoryPlus;

/// <summary>What a caller supplies to store a memory. Only <see cref="Namespace"/> and <see cref="Content"/> are required.</summary>
public sealed record NewMemory
{
    /// <summary>The namespace to store into.</summary>
    public required string Namespace { get; init; }

    /// <summary>The text to remember; must not be empty and must fit the configured size limit.</summary>
    public required string Content { get; init; }

    /// <summary>The memory type (default episodic).</summary>
    public MemoryKind Kind { get; init; } = MemoryKind.Episodic;

    /// <summary>Tags (case-insensitive; duplicates are removed).</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>String metadata.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Importance between 0 and 1 (default 0.5).</summary>
    public double? Importance { get; init; }

    /// <summary>When the remembered thing happened (default now).</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>When the memory starts to hold (default: always).</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>When the memory stops holding (default: never).</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>The writing principal.</summary>
    public string? Author { get; init; }

    /// <summary>Episodic session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>Semantic subject.</summary>
    public string? Subject { get; init; }

    /// <summary>Semantic predicate.</summary>
    public string? Predicate { get; init; }

    /// <summary>Semantic object.</summary>
    public string? Object { get; init; }

    /// <summary>Procedure name.</summary>
    public string? ProcedureName { get; init; }

    /// <summary>Procedure steps.</summary>
    public IReadOnlyList<string>? Steps { get; init; }

    /// <summary>Pinned memories are never collected.</summary>
    public bool Pinned { get; init; }

    /// <summary>Private to its author inside a shared namespace (see <see cref="MemoryRecord.Private"/>).</summary>
    public bool Private { get; init; }

    /// <summary>
    /// A precomputed embedding of <see cref="Content"/>. It must come from the engine's configured model (same
    /// dimensions; if <see cref="EmbeddingModel"/> is given it must match too); otherwise the engine embeds the content.
    /// </summary>
    public ReadOnlyMemory<float>? Embedding { get; init; }

    /// <summary>The model that produced <see cref="Embedding"/>.</summary>
    public string? EmbeddingModel { get; init; }
}
