using KernelMemoryPlus.Storage.Internal;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// The storage-level shape of a collection: storage names and stored kinds of its key, data and vector columns.
/// Record types whose columns fit the stored shape can share a collection (a POCO and a dynamic view, say).
/// </summary>
/// <remarks>
/// The rules are the SQLite store's, so that code written against one works on the other: a record may leave stored
/// columns out (it then reads and writes only its own), but each of its columns must exist with the same stored kind,
/// and vectors must have the same dimensions. Distance functions and index settings are not part of the shape: scores
/// are computed at query time with the function the handle declares.
/// </remarks>
internal sealed class CollectionShape
{
    private readonly Dictionary<string, Column> _columns;

    private CollectionShape(string recordTypeName, Column key, Dictionary<string, Column> columns)
    {
        RecordTypeName = recordTypeName;
        Key = key;
        _columns = columns;
    }

    /// <summary>The record type the shape was declared with (for error messages).</summary>
    public string RecordTypeName { get; }

    public Column Key { get; }

    /// <summary>Number of data and vector columns.</summary>
    public int ColumnCount => _columns.Count;

    public static CollectionShape From(RecordModel model)
    {
        var columns = new Dictionary<string, Column>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in model.DataProperties)
        {
            columns[p.StorageName] = new Column(p.StorageName, PropertyRole.Data, InMemoryValues.KindOf(p.Type), 0);
        }

        foreach (var v in model.VectorProperties)
        {
            columns[v.StorageName] = new Column(v.StorageName, PropertyRole.Vector, "vector", v.Dimensions);
        }

        var key = new Column(model.Key.StorageName, PropertyRole.Key, InMemoryValues.KindOf(model.Key.Type), 0);
        return new CollectionShape(model.IsDynamic ? "dynamic record" : model.RecordType.Name, key, columns);
    }

    /// <summary>How <paramref name="requested"/> conflicts with this stored shape; empty when it can use the collection.</summary>
    public List<string> FindConflicts(CollectionShape requested)
    {
        var conflicts = new List<string>();
        if (!string.Equals(Key.StorageName, requested.Key.StorageName, StringComparison.OrdinalIgnoreCase) || Key.Kind != requested.Key.Kind)
        {
            conflicts.Add($"the key is '{Key.StorageName}' ({Key.Kind}) in the store but '{requested.Key.StorageName}' ({requested.Key.Kind}) in the requested record");
        }

        foreach (var column in requested._columns.Values)
        {
            if (!_columns.TryGetValue(column.StorageName, out var stored) || stored.Role != column.Role)
            {
                conflicts.Add($"the {(column.Role == PropertyRole.Vector ? "vector" : "data")} property '{column.StorageName}' has no such column in the store");
            }
            else if (stored.Kind != column.Kind)
            {
                conflicts.Add($"'{column.StorageName}' is stored as {stored.Kind} but requested as {column.Kind}");
            }
            else if (stored.Dimensions != column.Dimensions)
            {
                conflicts.Add($"the vector '{column.StorageName}' has {stored.Dimensions} dimensions in the store but {column.Dimensions} in the requested record");
            }
        }

        return conflicts;
    }

    public override string ToString() =>
        string.Join(", ", new[] { $"{Key.StorageName}: {Key.Kind} key" }.Concat(_columns.Values.Select(c => c.Role == PropertyRole.Vector
            ? $"{c.StorageName}: vector({c.Dimensions})"
            : $"{c.StorageName}: {c.Kind}")));

    /// <summary>One stored column.</summary>
    public sealed record Column(string StorageName, PropertyRole Role, string Kind, int Dimensions);
}
