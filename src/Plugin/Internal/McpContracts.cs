namespace KernelMemoryPlus.Plugin.Internal;

// The structured content of the server's MCP tools (src/McpServer/Mcp/Contracts), read back into engine records.
internal sealed record McpMemoryItem
{
    public required string Id { get; init; }

    public required string Namespace { get; init; }

    public required string Kind { get; init; }

    public required string Content { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    public double Importance { get; init; }

    public DateTimeOffset OccurredAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public long Version { get; init; }

    public string? SessionId { get; init; }

    public string? Subject { get; init; }

    public string? Predicate { get; init; }

    public string? Object { get; init; }

    public DateTimeOffset? ValidFrom { get; init; }

    public DateTimeOffset? ValidTo { get; init; }

    public string? SupersededBy { get; init; }

    public string? Supersedes { get; init; }

    public string? ProcedureName { get; init; }

    public IReadOnlyList<string>? Steps { get; init; }

    public int? SuccessCount { get; init; }

    public int? FailureCount { get; init; }

    public bool? Pinned { get; init; }

    public bool? Private { get; init; }

    public string? Author { get; init; }

    public MemoryRecord ToRecord() => new()
    {
        Id = Id,
        Namespace = Namespace,
        Kind = Enum.TryParse<MemoryKind>(Kind, ignoreCase: true, out var kind) ? kind : MemoryKind.Episodic,
        Content = Content,
        Tags = Tags ?? [],
        Metadata = Metadata ?? new Dictionary<string, string>(),
        Importance = Importance,
        OccurredAt = OccurredAt,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        Version = Version,
        SessionId = SessionId,
        Subject = Subject,
        Predicate = Predicate,
        Object = Object,
        ValidFrom = ValidFrom,
        ValidTo = ValidTo,
        SupersededBy = SupersededBy,
        Supersedes = Supersedes,
        ProcedureName = ProcedureName,
        Steps = Steps ?? [],
        SuccessCount = SuccessCount ?? 0,
        FailureCount = FailureCount ?? 0,
        Pinned = Pinned ?? false,
        Private = Private ?? false,
        Author = Author,
    };
}

internal sealed record McpRememberResult(McpMemoryItem Memory, IReadOnlyList<string>? Superseded);

internal sealed record McpRecalledMemory(double Score, McpMemoryItem Memory);

internal sealed record McpRecallResult(IReadOnlyList<McpRecalledMemory> Results);

internal sealed record McpGetResult(McpMemoryItem Memory);

internal sealed record McpLinkItem(string Id, string FromId, string ToId, string Type, double Weight, double EffectiveWeight, bool Bidirectional, DateTimeOffset CreatedAt);

internal sealed record McpAssociationItem(double Activation, int Hops, string LinkType, string ViaId, McpMemoryItem Memory);

internal sealed record McpExploreResult(IReadOnlyList<McpAssociationItem> Associations);

internal sealed record McpTimelineResult(IReadOnlyList<McpMemoryItem> Events);

internal sealed record McpProcedureResult(McpMemoryItem Procedure, int Version, string? ReplacedId);

internal sealed record McpFoundProcedure(double Score, double SuccessRate, McpMemoryItem Procedure);

internal sealed record McpFindProceduresResult(IReadOnlyList<McpFoundProcedure> Results);

internal sealed record McpOutcomeResult(McpMemoryItem Procedure, double SuccessRate);
