using System.Text.Json;

namespace KernelMemoryPlus.Internal;

/// <summary>Converts between the public <see cref="MemoryRecord"/> and its storage shape.</summary>
internal static class RecordMapper
{
    private static readonly Dictionary<string, string> s_emptyMetadata = [];

    public static StoredMemory ToStored(MemoryRecord r, ReadOnlyMemory<float>? embedding) => new()
    {
        Id = r.Id,
        Namespace = r.Namespace,
        Kind = r.Kind.ToString(),
        Content = r.Content,
        Tags = [.. r.Tags],
        MetadataJson = r.Metadata.Count == 0 ? null : JsonSerializer.Serialize(r.Metadata, EngineJson.Default.IReadOnlyDictionaryStringString),
        Importance = r.Importance,
        CreatedAt = r.CreatedAt.ToUnixTimeMilliseconds(),
        UpdatedAt = r.UpdatedAt.ToUnixTimeMilliseconds(),
        OccurredAt = r.OccurredAt.ToUnixTimeMilliseconds(),
        ValidFrom = r.ValidFrom?.ToUnixTimeMilliseconds(),
        ValidTo = r.ValidTo?.ToUnixTimeMilliseconds(),
        AccessCount = r.AccessCount,
        LastAccessedAt = r.LastAccessedAt?.ToUnixTimeMilliseconds(),
        Version = r.Version,
        Author = r.Author,
        EmbeddingModel = r.EmbeddingModel,
        SessionId = r.SessionId,
        Subject = r.Subject,
        Predicate = r.Predicate,
        Object = r.Object,
        ProcedureName = r.ProcedureName,
        StepsJson = r.Steps.Count == 0 ? null : JsonSerializer.Serialize(r.Steps, EngineJson.Default.IReadOnlyListString),
        SuccessCount = r.SuccessCount,
        FailureCount = r.FailureCount,
        Supersedes = r.Supersedes,
        SupersededBy = r.SupersededBy,
        Pinned = r.Pinned,
        Embedding = embedding,
    };

    public static MemoryRecord ToRecord(StoredMemory s) => new()
    {
        Id = s.Id,
        Namespace = s.Namespace,
        Kind = Enum.TryParse<MemoryKind>(s.Kind, out var kind) ? kind : MemoryKind.Episodic,
        Content = s.Content,
        Tags = s.Tags is { Count: > 0 } ? [.. s.Tags] : [],
        Metadata = string.IsNullOrEmpty(s.MetadataJson)
            ? s_emptyMetadata
            : JsonSerializer.Deserialize(s.MetadataJson, EngineJson.Default.DictionaryStringString) ?? s_emptyMetadata,
        Importance = s.Importance,
        CreatedAt = FromMs(s.CreatedAt),
        UpdatedAt = FromMs(s.UpdatedAt),
        OccurredAt = FromMs(s.OccurredAt),
        ValidFrom = s.ValidFrom is long vf ? FromMs(vf) : null,
        ValidTo = s.ValidTo is long vt ? FromMs(vt) : null,
        AccessCount = s.AccessCount,
        LastAccessedAt = s.LastAccessedAt is long la ? FromMs(la) : null,
        Version = s.Version,
        Author = s.Author,
        EmbeddingModel = s.EmbeddingModel,
        SessionId = s.SessionId,
        Subject = s.Subject,
        Predicate = s.Predicate,
        Object = s.Object,
        ProcedureName = s.ProcedureName,
        Steps = string.IsNullOrEmpty(s.StepsJson) ? [] : JsonSerializer.Deserialize(s.StepsJson, EngineJson.Default.ListString) ?? [],
        SuccessCount = s.SuccessCount,
        FailureCount = s.FailureCount,
        Supersedes = s.Supersedes,
        SupersededBy = s.SupersededBy,
        Pinned = s.Pinned,
    };

    public static StoredLink ToStored(MemoryLink l) => new()
    {
        Id = l.Id,
        Namespace = l.Namespace,
        ToNamespace = l.ToNamespace,
        FromId = l.FromId,
        ToId = l.ToId,
        Type = l.Type,
        Weight = l.Weight,
        Bidirectional = l.Bidirectional,
        CreatedAt = l.CreatedAt.ToUnixTimeMilliseconds(),
        LastUsedAt = l.LastUsedAt.ToUnixTimeMilliseconds(),
        UseCount = l.UseCount,
        Author = l.Author,
    };

    public static MemoryLink ToLink(StoredLink s) => new()
    {
        Id = s.Id,
        Namespace = s.Namespace,
        ToNamespace = s.ToNamespace,
        FromId = s.FromId,
        ToId = s.ToId,
        Type = s.Type,
        Weight = s.Weight,
        EffectiveWeight = s.Weight,
        Bidirectional = s.Bidirectional,
        CreatedAt = FromMs(s.CreatedAt),
        LastUsedAt = FromMs(s.LastUsedAt),
        UseCount = s.UseCount,
        Author = s.Author,
    };

    public static ChangeEvent ToChange(StoredChange s) => new(
        s.Seq,
        s.Namespace,
        Enum.TryParse<ChangeOperation>(s.Operation, out var op) ? op : ChangeOperation.Updated,
        s.EntityId,
        s.Version,
        FromMs(s.At),
        s.Author);

    public static StoredChange ToStored(ChangeEvent c) => new()
    {
        Seq = c.Sequence,
        Namespace = c.Namespace,
        Operation = c.Operation.ToString(),
        EntityId = c.EntityId,
        Version = c.Version,
        At = c.At.ToUnixTimeMilliseconds(),
        Author = c.Author,
    };

    /// <summary>Truncates to the millisecond precision the store keeps, so in-memory and reloaded records compare equal.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset t) => FromMs(t.ToUnixTimeMilliseconds());

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
