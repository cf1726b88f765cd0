using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Mcp.Contracts;

// Nullable members of positional records are required in the output schemas, so they are written even when null.

/// <summary>Result shapes of the memory tools (structured content; the text content says the same in brief).</summary>
internal sealed record RememberResult(MemoryItem Memory, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? Superseded);

internal sealed record RecalledMemory(double Score, MemoryItem Memory, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Why);

internal sealed record RecallResultList(string Namespace, IReadOnlyList<RecalledMemory> Results);

internal sealed record LinkItem(string Id, string FromId, string ToId, string Type, double Weight, double EffectiveWeight, bool Bidirectional, DateTimeOffset CreatedAt)
{
    public static LinkItem From(MemoryLink l) => new(l.Id, l.FromId, l.ToId, l.Type, l.Weight, l.EffectiveWeight, l.Bidirectional, l.CreatedAt);
}

internal sealed record GetResult(MemoryItem Memory, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<LinkItem>? Links);

internal sealed record ForgetResult(string Id, bool Deleted);

internal sealed record UnlinkResult(int Removed);

internal sealed record AssociationItem(double Activation, int Hops, string LinkType, string ViaId, MemoryItem Memory);

internal sealed record ExploreResult(string Id, IReadOnlyList<AssociationItem> Associations);

internal sealed record TimelineResult(string Namespace, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? CenterId, IReadOnlyList<MemoryItem> Events);

internal sealed record ProcedureResult(MemoryItem Procedure, int Version, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ReplacedId);

internal sealed record FoundProcedure(double Score, double SuccessRate, MemoryItem Procedure);

internal sealed record FindProceduresResult(string Namespace, IReadOnlyList<FoundProcedure> Results);

internal sealed record OutcomeResult(MemoryItem Procedure, double SuccessRate);

internal sealed record StatsResult(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Namespace,
    int Memories,
    IReadOnlyDictionary<string, int> ByKind,
    int Links,
    int NoLongerValid,
    long LastSequence,
    string EmbeddingModel,
    int Dimensions,
    string Store,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] IReadOnlyList<string>? Namespaces);

internal sealed record ChangeItem(long Sequence, string Namespace, string Operation, string Id, long Version, DateTimeOffset At);

internal sealed record SyncResult(IReadOnlyList<ChangeItem> Changes, long NextSince, bool HasMore);
