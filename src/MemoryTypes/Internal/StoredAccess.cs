using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>
/// The storage shape of access control: one row per namespace with an owner or settings (<see cref="KindNamespace"/>,
/// keyed "ns:{name}") and one per grant (<see cref="KindGrant"/>, keyed by the grant id). All rows are loaded when the
/// engine opens: there are few of them, and every call checks them.
/// </summary>
internal sealed class StoredAccess
{
    public const string KindNamespace = "namespace";
    public const string KindGrant = "grant";

    [VectorStoreKey]
    public string Id { get; set; } = "";

    [VectorStoreData(IsIndexed = true)]
    public string Kind { get; set; } = "";

    [VectorStoreData]
    public string Namespace { get; set; } = "";

    [VectorStoreData]
    public string? Owner { get; set; }

    [VectorStoreData]
    public string? ConflictPolicy { get; set; }

    [VectorStoreData]
    public string? MergeContent { get; set; }

    [VectorStoreData]
    public string? MemoryId { get; set; }

    [VectorStoreData]
    public string? Grantee { get; set; }

    [VectorStoreData]
    public bool IsGroup { get; set; }

    [VectorStoreData]
    public int Permission { get; set; }

    [VectorStoreData]
    public long? ExpiresAt { get; set; }

    [VectorStoreData]
    public string? GrantedBy { get; set; }

    [VectorStoreData]
    public long CreatedAt { get; set; }

    public static string NamespaceKey(string ns) => "ns:" + ns;
}
