using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>The storage shape of a <see cref="ConflictResolution"/>.</summary>
internal sealed class StoredConflict
{
    [VectorStoreKey]
    public string Id { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public string Namespace { get; set; } = "";

    [VectorStoreData]
    public string MemoryId { get; set; } = "";

    [VectorStoreData]
    public string Policy { get; set; } = "";

    [VectorStoreData]
    public string Outcome { get; set; } = "";

    [VectorStoreData]
    public long ExpectedVersion { get; set; }

    [VectorStoreData]
    public long FoundVersion { get; set; }

    [VectorStoreData]
    public long? ResultVersion { get; set; }

    [VectorStoreData]
    public string? Principal { get; set; }

    [VectorStoreData]
    public long At { get; set; }

    public static StoredConflict From(ConflictResolution c) => new()
    {
        Id = c.Id,
        Namespace = c.Namespace,
        MemoryId = c.MemoryId,
        Policy = c.Policy.ToString(),
        Outcome = c.Outcome,
        ExpectedVersion = c.ExpectedVersion,
        FoundVersion = c.FoundVersion,
        ResultVersion = c.ResultVersion,
        Principal = c.Principal,
        At = c.At.ToUnixTimeMilliseconds(),
    };

    public ConflictResolution ToResolution() => new()
    {
        Id = Id,
        Namespace = Namespace,
        MemoryId = MemoryId,
        Policy = Enum.TryParse<ConflictPolicy>(Policy, out var p) ? p : KernelMemoryPlus.ConflictPolicy.Reject,
        Outcome = Outcome,
        ExpectedVersion = ExpectedVersion,
        FoundVersion = FoundVersion,
        ResultVersion = ResultVersion,
        Principal = Principal,
        At = DateTimeOffset.FromUnixTimeMilliseconds(At),
    };
}
