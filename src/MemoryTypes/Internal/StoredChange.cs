using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>The storage shape of a change-feed entry.</summary>
internal sealed class StoredChange
{
    [VectorStoreKey]
    public long Seq { get; set; }

    [VectorStoreData(IsIndexed = true)]
    public string Namespace { get; set; } = "";

    [VectorStoreData]
    public string Operation { get; set; } = "";

    [VectorStoreData]
    public string EntityId { get; set; } = "";

    [VectorStoreData]
    public long Version { get; set; }

    [VectorStoreData]
    public long At { get; set; }

    [VectorStoreData]
    public string? Author { get; set; }

    [VectorStoreData]
    public bool Private { get; set; }
}
