namespace KernelMemoryPlus.Server.Api;

/// <summary>A memory to store (<c>POST /api/v1/memories</c>, or an item of a batch). Only <see cref="Namespace"/> and <see cref="Content"/> are required.</summary>
public sealed record CreateMemoryRequest
{
    /// <summary>The namespace to store into: ASCII letters, digits and <c>. _ - : /</c>, up to 128 characters. Required.</summary>
    public string? Namespace { get; init; }

    /// <summary>The text to remember; not empty, at most the configured length (32,768 characters by default). Required.</summary>
    public string? Content { get; init; }

    /// <summary>The memory type: Episodic (default), Semantic or Procedural.</summary>
    public MemoryKind? Kind { get; init; }

    /// <summary>Tags, compared case-insensitively; duplicates are removed.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>String metadata; keys are ASCII letters, digits and <c>. _ - :</c>.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Importance between 0 and 1 (default 0.5).</summary>
    public double? Importance { get; init; }

    /// <summary>When the remembered thing happened (default: now).</summary>
    public DateTimeOffset? OccurredAt { get; init; }

    /// <summary>When the memory starts to hold (default: always).</summary>
    public DateTimeOffset? ValidFrom { get; init; }

    /// <summary>When the memory stops holding, exclusive (default: never).</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>The writing principal (agent or user), as a label: it is not proof of identity.</summary>
    public string? Author { get; init; }

    /// <summary>Episodic: the session or episode the event belongs to.</summary>
    public string? SessionId { get; init; }

    /// <summary>Semantic: the entity the fact is about.</summary>
    public string? Subject { get; init; }

    /// <summary>Semantic: the attribute or relation ("lives_in").</summary>
    public string? Predicate { get; init; }

    /// <summary>Semantic: the value of the fact ("Paris").</summary>
    public string? Object { get; init; }

    /// <summary>Procedural: the procedure's name.</summary>
    public string? ProcedureName { get; init; }

    /// <summary>Procedural: the ordered steps.</summary>
    public IReadOnlyList<string>? Steps { get; init; }

    /// <summary>Pinned memories are never collected or decayed.</summary>
    public bool? Pinned { get; init; }

    /// <summary>Private to its author inside a shared namespace: others with access to the namespace do not see it.</summary>
    public bool? Private { get; init; }

    /// <summary>
    /// A precomputed embedding of the content, from the server's embedding model (same dimensions); leave it out to
    /// let the server embed the content.
    /// </summary>
    public IReadOnlyList<float>? Embedding { get; init; }

    /// <summary>The model that produced <see cref="Embedding"/>; checked against the server's model when given.</summary>
    public string? EmbeddingModel { get; init; }

    /// <summary>The engine's input for this request; absent required fields reach the engine empty, so it names them.</summary>
    internal NewMemory ToNewMemory() => new()
    {
        Namespace = Namespace ?? string.Empty,
        Content = Content ?? string.Empty,
        Kind = Kind ?? MemoryKind.Episodic,
        Tags = Tags,
        Metadata = Metadata,
        Importance = Importance,
        OccurredAt = OccurredAt,
        ValidFrom = ValidFrom,
        ValidTo = ValidTo,
        Author = Author,
        SessionId = SessionId,
        Subject = Subject,
        Predicate = Predicate,
        Object = Object,
        ProcedureName = ProcedureName,
        Steps = Steps,
        Pinned = Pinned ?? false,
        Private = Private ?? false,
        Embedding = Embedding is null ? (ReadOnlyMemory<float>?)null : new ReadOnlyMemory<float>([.. Embedding]),
        EmbeddingModel = EmbeddingModel,
    };
}
