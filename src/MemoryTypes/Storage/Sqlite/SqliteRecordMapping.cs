using KernelMemoryPlus.Storage.Internal;
using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The columns of a record model and how records are read from and bound to them. Independent of the table, so a
/// collection object builds it once.
/// </summary>
/// <remarks>
/// Every SELECT the store issues lists the columns in the same order: the hidden row id (ordinal 0), the key
/// (ordinal 1), the data columns with their companion columns, then, when requested, the vector columns.
/// </remarks>
internal sealed class SqliteRecordMapping
{
    private readonly Dictionary<string, SqliteColumn> _byPropertyName;

    public SqliteRecordMapping(RecordModel model)
    {
        Model = model;
        Key = new SqliteColumn(model.Key);
        Data = model.DataProperties.Select(p => new SqliteColumn(p)).ToList();
        Vectors = model.VectorProperties.Select(p => new SqliteColumn(p)).ToList();
        _byPropertyName = new[] { Key }.Concat(Data).Concat(Vectors).ToDictionary(c => c.Property.Name, StringComparer.Ordinal);

        var columnNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { SqliteColumn.RowIdColumn };
        foreach (var column in new[] { Key }.Concat(Data).Concat(Vectors))
        {
            foreach (var name in column.CompanionName is null ? [column.Name] : new[] { column.Name, column.CompanionName })
            {
                if (!columnNames.Add(name))
                {
                    throw new ArgumentException($"The property '{column.Property.Name}' of '{model.RecordType.Name}' needs the column '{name}', which another property or the store already uses; give it another StorageName.");
                }
            }
        }

        foreach (var vector in Vectors)
        {
            if (!VectorScoring.Supported.Contains(vector.Vector!.DistanceFunction))
            {
                throw new NotSupportedException($"The vector property '{vector.Property.Name}' uses the distance function '{vector.Vector.DistanceFunction}', which the SQLite store does not support; use one of: {string.Join(", ", VectorScoring.Supported)}.");
            }
        }

        if (Key.Kind is not (SqliteColumnKind.Text or SqliteColumnKind.Guid or SqliteColumnKind.Integer))
        {
            throw new NotSupportedException($"The key '{Key.Property.Name}' has type '{Key.ValueType.Name}'; the SQLite store supports string, Guid, int and long keys.");
        }

        DataOrdinals = new int[Data.Count];
        int ordinal = 2;
        for (int i = 0; i < Data.Count; i++)
        {
            DataOrdinals[i] = ordinal;
            ordinal += Data[i].Width;
        }

        FirstVectorOrdinal = ordinal;
        Writer = new SqliteRowWriter(this);
    }

    public RecordModel Model { get; }

    public SqliteColumn Key { get; }

    public IReadOnlyList<SqliteColumn> Data { get; }

    public IReadOnlyList<SqliteColumn> Vectors { get; }

    /// <summary>The ordinal of each data column in a SELECT built by <see cref="SqliteCollectionSql"/>.</summary>
    public int[] DataOrdinals { get; }

    /// <summary>The ordinal of the first vector column when vectors are selected.</summary>
    public int FirstVectorOrdinal { get; }

    /// <summary>Binds records to the upsert statements of <see cref="SqliteCollectionSql"/>.</summary>
    public SqliteRowWriter Writer { get; }

    /// <summary>The column of a property, by its CLR (or dynamic) name.</summary>
    public SqliteColumn? FindByPropertyName(string name) => _byPropertyName.GetValueOrDefault(name);

    public SqliteColumn GetColumn(PropertyModel property) => _byPropertyName[property.Name];

    /// <summary>A readable list of the columns, for error messages.</summary>
    public string Describe() =>
        string.Join(", ", new[] { Key.Name + ": " + Key.StorageToken + " key" }.Concat(Data.Select(c => c.Describe())).Concat(Vectors.Select(c => c.Describe())));

    /// <summary>Reads the current row (selected as described on the type) into a new record.</summary>
    public object ReadRecord(SqliteDataReader reader, bool includeVectors)
    {
        var record = Model.CreateRecord();
        Model.Key.SetValue(record, SqliteValueCodec.DecodeKey(Key, reader, 1));
        for (int i = 0; i < Data.Count; i++)
        {
            var column = Data[i];
            var value = SqliteValueCodec.Decode(column, reader, DataOrdinals[i]);
            if (value is not null || Model.IsDynamic || !column.Property.Type.IsValueType || Nullable.GetUnderlyingType(column.Property.Type) is not null)
            {
                column.Property.SetValue(record, value);
            }
        }

        if (includeVectors)
        {
            for (int i = 0; i < Vectors.Count; i++)
            {
                var column = Vectors[i];
                int ordinal = FirstVectorOrdinal + i;
                if (reader.IsDBNull(ordinal) || !column.Vector!.HoldsVector)
                {
                    // A generator-backed property (for example a string) cannot be rebuilt from its vector.
                    continue;
                }

                var vector = SqliteValueCodec.ReadVector(reader, ordinal, column.Dimensions);
                column.Property.SetValue(record, RecordModel.FromVector(column.Property.Type, vector));
            }
        }

        return record;
    }
}
