using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>A key/value entry of the engine's own bookkeeping (embedding model, last sequence number, namespaces).</summary>
internal sealed class StoredMeta
{
    [VectorStoreKey]
    public string Key { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public string Value { get; set; } = "";
}
