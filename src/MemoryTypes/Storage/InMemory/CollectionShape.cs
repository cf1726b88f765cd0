using System.Text;
using KernelMemoryPlus.Storage.Internal;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// The storage-level shape of a collection: storage names and stored kinds of its key, data and vector properties.
/// Two record types with the same shape can read and write the same collection (a POCO and a dynamic view, say).
/// </summary>
/// <remarks>
/// Index settings and distance functions are not part of the shape: the in-memory store scores every query by brute
/// force, so they are chosen per handle at query time rather than fixed when the collection is created.
/// </remarks>
internal sealed class CollectionShape : IEquatable<CollectionShape>
{
    private CollectionShape(string signature, string recordTypeName)
    {
        Signature = signature;
        RecordTypeName = recordTypeName;
    }

    /// <summary>A canonical, case-insensitive text form; equal signatures mean equal shapes.</summary>
    public string Signature { get; }

    /// <summary>The record type the shape was first declared with (for error messages).</summary>
    public string RecordTypeName { get; }

    public static CollectionShape From(RecordModel model)
    {
        var builder = new StringBuilder();
        builder.Append("key ").Append(model.Key.StorageName).Append(": ").Append(InMemoryValues.KindOf(model.Key.Type));
        foreach (var p in model.DataProperties.OrderBy(p => p.StorageName, StringComparer.OrdinalIgnoreCase))
        {
            builder.Append(", ").Append(p.StorageName).Append(": ").Append(InMemoryValues.KindOf(p.Type));
        }

        foreach (var v in model.VectorProperties.OrderBy(p => p.StorageName, StringComparer.OrdinalIgnoreCase))
        {
            builder.Append(", ").Append(v.StorageName).Append(": vector(").Append(v.Dimensions).Append(')');
        }

        return new CollectionShape(builder.ToString(), model.IsDynamic ? "dynamic record" : model.RecordType.Name);
    }

    public bool Equals(CollectionShape? other) =>
        other is not null && string.Equals(Signature, other.Signature, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => Equals(obj as CollectionShape);

    public override int GetHashCode() => StringComparer.OrdinalIgnoreCase.GetHashCode(Signature);

    public override string ToString() => "{" + Signature + "}";
}
