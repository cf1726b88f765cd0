using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>The storage shape of a link.</summary>
internal sealed class StoredLink
{
    [VectorStoreKey]
    public string Id { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public string Namespace { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public string ToNamespace { get; set; } = "";

    [VectorStoreData]
    public string FromId { get; set; } = "";

    [VectorStoreData]
    public string ToId { get; set; } = "";

    [VectorStoreData]
    public string Type { get; set; } = "";

    [VectorStoreData]
    public double Weight { get; set; }

    [VectorStoreData]
    public bool Bidirectional { get; set; }

    [VectorStoreData]
    public long CreatedAt { get; set; }

    [VectorStoreData]
    public long LastUsedAt { get; set; }

    [VectorStoreData]
    public long UseCount { get; set; }

    [VectorStoreData]
    public string? Author { get; set; }
}
