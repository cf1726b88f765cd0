using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The description of a collection's columns kept in the catalog (<c>kmp_collections.definition</c>, JSON), so that
/// reopening a collection with another record shape is detected instead of mixing incompatible data.
/// </summary>
internal sealed class SqliteStoredShape
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The format of this JSON document.</summary>
    public int Format { get; set; } = 1;

    /// <summary>The name of the record type that created the collection (informational).</summary>
    public string RecordType { get; set; } = "";

    public List<SqliteStoredProperty> Properties { get; set; } = [];

    public static SqliteStoredShape FromMapping(SqliteRecordMapping mapping)
    {
        var shape = new SqliteStoredShape { RecordType = mapping.Model.RecordType.Name };
        shape.Properties.Add(new SqliteStoredProperty { Name = mapping.Key.Property.Name, Column = mapping.Key.Name, Role = "key", Storage = mapping.Key.StorageToken });
        foreach (var column in mapping.Data)
        {
            shape.Properties.Add(new SqliteStoredProperty
            {
                Name = column.Property.Name,
                Column = column.Name,
                Role = "data",
                Storage = column.StorageToken,
                Indexed = column.Property.IsIndexed ? true : null,
                FullText = column.Property.IsFullTextIndexed ? true : null,
            });
        }

        foreach (var column in mapping.Vectors)
        {
            shape.Properties.Add(new SqliteStoredProperty
            {
                Name = column.Property.Name,
                Column = column.Name,
                Role = "vector",
                Storage = column.StorageToken,
                Dimensions = column.Dimensions,
                DistanceFunction = column.Vector!.DistanceFunction,
            });
        }

        return shape;
    }

    /// <summary>Adds the description of a data column added to the table later.</summary>
    public void AddData(SqliteColumn column) => Properties.Add(new SqliteStoredProperty
    {
        Name = column.Property.Name,
        Column = column.Name,
        Role = "data",
        Storage = column.StorageToken,
        Indexed = column.Property.IsIndexed ? true : null,
    });

    public static SqliteStoredShape FromJson(string json) =>
        JsonSerializer.Deserialize<SqliteStoredShape>(json, s_json) ?? throw new JsonException("The stored collection definition is empty.");

    public string ToJson() => JsonSerializer.Serialize(this, s_json);

    /// <summary>The full-text columns, in FTS5 column order.</summary>
    public IEnumerable<string> FullTextColumns => Properties.Where(p => p.FullText == true).Select(p => p.Column);

    public string Describe() => string.Join(", ", Properties.Select(p => p.Role switch
    {
        "key" => $"{p.Column}: {p.Storage} key",
        "vector" => $"{p.Column}: vector({p.Dimensions}, {p.DistanceFunction})",
        _ => $"{p.Column}: {p.Storage}{(p.FullText == true ? " full-text" : "")}",
    }));

    /// <summary>
    /// How <paramref name="requested"/> conflicts with this stored shape; empty when the requested record can use the
    /// table. A record may leave stored columns out (it then reads and writes only its own columns), but every
    /// requested column must exist with the same storage type, and vectors must have the same dimensions.
    /// </summary>
    /// <remarks>
    /// A different distance function is not a conflict: the stored vectors are the same, and scores are computed at
    /// query time with the function the caller asks for.
    /// </remarks>
    public List<string> FindConflicts(SqliteRecordMapping requested) => FindConflicts(requested, addable: null);

    /// <summary>
    /// Like <see cref="FindConflicts(SqliteRecordMapping)"/>, but data properties the store has no column for and
    /// that can be added without rewriting the table (not full-text indexed) go to <paramref name="addable"/> instead
    /// of being conflicts (when it is not null).
    /// </summary>
    public List<string> FindConflicts(SqliteRecordMapping requested, List<SqliteColumn>? addable)
    {
        var conflicts = new List<string>();
        var byColumn = Properties.ToDictionary(p => p.Column, StringComparer.OrdinalIgnoreCase);

        var key = Properties.First(p => p.Role == "key");
        if (!string.Equals(key.Column, requested.Key.Name, StringComparison.OrdinalIgnoreCase) || key.Storage != requested.Key.StorageToken)
        {
            conflicts.Add($"the key is '{key.Column}' ({key.Storage}) in the store but '{requested.Key.Name}' ({requested.Key.StorageToken}) in the requested record");
        }

        foreach (var column in requested.Data)
        {
            if (!byColumn.ContainsKey(column.Name) && addable is not null && !column.Property.IsFullTextIndexed)
            {
                addable.Add(column);
            }
            else if (!byColumn.TryGetValue(column.Name, out var stored) || stored.Role != "data")
            {
                conflicts.Add($"the data property '{column.Name}' ({column.StorageToken}) has no column in the store");
            }
            else if (stored.Storage != column.StorageToken)
            {
                conflicts.Add($"'{column.Name}' is stored as {stored.Storage} but requested as {column.StorageToken}");
            }
            else if (column.Property.IsFullTextIndexed && stored.FullText != true)
            {
                conflicts.Add($"'{column.Name}' is requested full-text indexed but the store has no full-text index on it");
            }
        }

        foreach (var column in requested.Vectors)
        {
            if (!byColumn.TryGetValue(column.Name, out var stored) || stored.Role != "vector")
            {
                conflicts.Add($"the vector property '{column.Name}' ({column.Dimensions} dimensions) has no column in the store");
            }
            else if (stored.Dimensions != column.Dimensions)
            {
                conflicts.Add($"the vector '{column.Name}' has {stored.Dimensions} dimensions in the store but {column.Dimensions} in the requested record");
            }
        }

        return conflicts;
    }
}
