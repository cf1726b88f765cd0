using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelMemoryPlus.Storage.Internal;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Binds a record to the parameters of the upsert statements (<c>?1</c> the key, then the data columns with their
/// companion columns, then the vectors, in <see cref="SqliteRecordMapping"/> order). Built once per mapping.
/// </summary>
/// <remarks>
/// Properties of a typed record whose type has a direct SQLite representation (string, long, int, double, float,
/// bool, their nullable forms, and string lists) are read through typed delegates and bound without boxing or
/// intermediate strings; every other property goes through <see cref="SqliteValueCodec.Encode"/>, as before. Both
/// paths store the same values: the typed ones are the codec's conversions written out for one type.
/// </remarks>
internal sealed class SqliteRowWriter
{
    private readonly SqliteColumnBinder[] _data;
    private readonly SqliteVectorReader[] _vectors;
    private readonly int[] _vectorBytes;

    public SqliteRowWriter(SqliteRecordMapping mapping)
    {
        _data = new SqliteColumnBinder[mapping.Data.Count];
        for (int i = 0; i < _data.Length; i++)
        {
            _data[i] = SqliteColumnBinder.Create(mapping.Data[i], mapping.Model.IsDynamic);
        }

        _vectors = new SqliteVectorReader[mapping.Vectors.Count];
        _vectorBytes = new int[mapping.Vectors.Count];
        for (int v = 0; v < _vectors.Length; v++)
        {
            _vectors[v] = SqliteVectorReader.Create(mapping.Vectors[v].Vector!, mapping.Model.IsDynamic);
            _vectorBytes[v] = mapping.Vectors[v].Dimensions * sizeof(float);
        }
    }

    /// <summary>Reads the vector of a vector property (index in <see cref="SqliteRecordMapping.Vectors"/>) from a record.</summary>
    /// <exception cref="InvalidOperationException">The property holds something that is not a vector.</exception>
    public ReadOnlyMemory<float>? ReadVector(int vector, object record) => _vectors[vector].Read(record);

    /// <summary>Binds every parameter of one record.</summary>
    /// <param name="statement">An upsert statement of the mapping's table.</param>
    /// <param name="record">The record.</param>
    /// <param name="key">Its key, encoded by <see cref="SqliteValueCodec.EncodeKey"/>.</param>
    /// <param name="vectors">The prepared vectors, [property][row].</param>
    /// <param name="row">The record's row in <paramref name="vectors"/>.</param>
    /// <param name="swapBuffers">Big-endian machines only: one buffer per vector property.</param>
    public void Bind(SqliteRawStatement statement, object record, object key, ReadOnlyMemory<float>?[][] vectors, int row, byte[][]? swapBuffers)
    {
        statement.BindValue(1, key);
        int index = 2;
        foreach (var binder in _data)
        {
            index += binder.Bind(statement, index, record);
        }

        for (int v = 0; v < vectors.Length; v++, index++)
        {
            if (vectors[v][row] is not { } vector)
            {
                statement.BindNull(index);
            }
            else if (BitConverter.IsLittleEndian)
            {
                // float32 little-endian is the stored format: bind the floats' own bytes (SQLite copies them).
                statement.BindBlob(index, MemoryMarshal.AsBytes(vector.Span));
            }
            else
            {
                SqliteValueCodec.WriteVector(vector.Span, swapBuffers![v]);
                statement.BindBlob(index, swapBuffers[v].AsSpan(0, _vectorBytes[v]));
            }
        }
    }

    /// <summary>The swap buffers <see cref="Bind"/> needs on this machine (null on little-endian machines).</summary>
    public byte[][]? CreateSwapBuffers()
    {
        if (BitConverter.IsLittleEndian)
        {
            return null;
        }

        var buffers = new byte[_vectorBytes.Length][];
        for (int v = 0; v < buffers.Length; v++)
        {
            buffers[v] = new byte[_vectorBytes[v]];
        }

        return buffers;
    }
}

/// <summary>Binds one data property (and its companion column) of a record.</summary>
internal abstract class SqliteColumnBinder
{
    /// <summary>Binds the property's value at <paramref name="index"/>; returns the number of parameters bound (1 or 2).</summary>
    public abstract int Bind(SqliteRawStatement statement, int index, object record);

    public static SqliteColumnBinder Create(SqliteColumn column, bool isDynamic)
    {
        var info = column.Property.PropertyInfo;
        if (!isDynamic && info is { GetMethod: { IsStatic: false } getter, DeclaringType: { IsValueType: false } declaring } && !declaring.ContainsGenericParameters)
        {
            var type = info.PropertyType;
            Type? binder = column.Kind switch
            {
                SqliteColumnKind.Text when type == typeof(string) => typeof(SqliteStringBinder<>).MakeGenericType(declaring),
                SqliteColumnKind.Integer or SqliteColumnKind.Real or SqliteColumnKind.Boolean when IsDirectValue(type) => typeof(SqliteValueBinder<,>).MakeGenericType(declaring, type),
                SqliteColumnKind.Json when type == typeof(List<string>) => typeof(SqliteStringListBinder<,>).MakeGenericType(declaring, type),
                SqliteColumnKind.Json when type == typeof(string[]) => typeof(SqliteStringListBinder<,>).MakeGenericType(declaring, type),
                _ => null,
            };

            if (binder is not null)
            {
                try
                {
                    var getterType = typeof(Func<,>).MakeGenericType(declaring, type);
                    return (SqliteColumnBinder)Activator.CreateInstance(binder, getter.CreateDelegate(getterType))!;
                }
                catch (ArgumentException)
                {
                    // A getter that cannot be bound to a typed delegate: read it through reflection below.
                }
            }
        }

        return new SqliteBoxedBinder(column);
    }

    private static bool IsDirectValue(Type type) =>
        type == typeof(long) || type == typeof(long?) || type == typeof(int) || type == typeof(int?)
        || type == typeof(double) || type == typeof(double?) || type == typeof(float) || type == typeof(float?)
        || type == typeof(bool) || type == typeof(bool?);
}

/// <summary>Any property: read by reflection (or from the dictionary of a dynamic record) and encoded by the codec.</summary>
internal sealed class SqliteBoxedBinder(SqliteColumn column) : SqliteColumnBinder
{
    public override int Bind(SqliteRawStatement statement, int index, object record)
    {
        var value = column.Property.GetValue(record);
        statement.BindValue(index, SqliteValueCodec.Encode(column, value));
        if (column.CompanionName is null)
        {
            return 1;
        }

        statement.BindValue(index + 1, SqliteValueCodec.EncodeCompanion(column, value));
        return 2;
    }
}

/// <summary>A string property of a typed record.</summary>
internal sealed class SqliteStringBinder<TRecord>(Func<TRecord, string?> getter) : SqliteColumnBinder
    where TRecord : class
{
    public override int Bind(SqliteRawStatement statement, int index, object record)
    {
        if (getter((TRecord)record) is { } value)
        {
            statement.BindText(index, value);
        }
        else
        {
            statement.BindNull(index);
        }

        return 1;
    }
}

/// <summary>A list of strings (JSON array text) of a typed record; the same text <c>JsonSerializer</c> writes.</summary>
internal sealed class SqliteStringListBinder<TRecord, TList>(Func<TRecord, TList?> getter) : SqliteColumnBinder
    where TRecord : class
    where TList : class, IReadOnlyList<string?>
{
    public override int Bind(SqliteRawStatement statement, int index, object record)
    {
        if (getter((TRecord)record) is not { } list)
        {
            statement.BindNull(index);
            return 1;
        }

        var writer = statement.StartJson();
        writer.WriteStartArray();
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is { } item)
            {
                writer.WriteStringValue(item);
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        writer.WriteEndArray();
        statement.BindJson(index);
        return 1;
    }
}

/// <summary>
/// A number or bool property (or its nullable form) of a typed record. The type tests are on the generic argument,
/// so the JIT keeps only the branch of the property's type and nothing is boxed.
/// </summary>
internal sealed class SqliteValueBinder<TRecord, TValue>(Func<TRecord, TValue> getter) : SqliteColumnBinder
    where TRecord : class
{
    public override int Bind(SqliteRawStatement statement, int index, object record)
    {
        TValue value = getter((TRecord)record);
        if (typeof(TValue) == typeof(long))
        {
            statement.BindInt64(index, Unsafe.As<TValue, long>(ref value));
        }
        else if (typeof(TValue) == typeof(int))
        {
            statement.BindInt64(index, Unsafe.As<TValue, int>(ref value));
        }
        else if (typeof(TValue) == typeof(double))
        {
            statement.BindDouble(index, Unsafe.As<TValue, double>(ref value));
        }
        else if (typeof(TValue) == typeof(float))
        {
            statement.BindDouble(index, Unsafe.As<TValue, float>(ref value));
        }
        else if (typeof(TValue) == typeof(bool))
        {
            statement.BindInt64(index, Unsafe.As<TValue, bool>(ref value) ? 1L : 0L);
        }
        else if (typeof(TValue) == typeof(long?))
        {
            BindOrNull(statement, index, Unsafe.As<TValue, long?>(ref value));
        }
        else if (typeof(TValue) == typeof(int?))
        {
            BindOrNull(statement, index, Unsafe.As<TValue, int?>(ref value));
        }
        else if (typeof(TValue) == typeof(double?))
        {
            BindOrNull(statement, index, Unsafe.As<TValue, double?>(ref value));
        }
        else if (typeof(TValue) == typeof(float?))
        {
            var nullable = Unsafe.As<TValue, float?>(ref value);
            BindOrNull(statement, index, nullable.HasValue ? nullable.Value : null);
        }
        else if (typeof(TValue) == typeof(bool?))
        {
            var nullable = Unsafe.As<TValue, bool?>(ref value);
            BindOrNull(statement, index, nullable.HasValue ? (nullable.Value ? 1L : 0L) : null);
        }
        else
        {
            throw new InvalidOperationException($"No direct binding for '{typeof(TValue).Name}'.");
        }

        return 1;
    }

    private static void BindOrNull(SqliteRawStatement statement, int index, long? value)
    {
        if (value.HasValue)
        {
            statement.BindInt64(index, value.Value);
        }
        else
        {
            statement.BindNull(index);
        }
    }

    private static void BindOrNull(SqliteRawStatement statement, int index, double? value)
    {
        if (value.HasValue)
        {
            statement.BindDouble(index, value.Value);
        }
        else
        {
            statement.BindNull(index);
        }
    }
}

/// <summary>Reads the vector of a vector property that holds one (not generated).</summary>
internal abstract class SqliteVectorReader
{
    /// <exception cref="InvalidOperationException">The property holds something that is not a vector.</exception>
    public abstract ReadOnlyMemory<float>? Read(object record);

    public static SqliteVectorReader Create(VectorPropertyModel model, bool isDynamic)
    {
        var info = model.PropertyInfo;
        if (!isDynamic && info is { GetMethod: { IsStatic: false } getter, DeclaringType: { IsValueType: false } declaring } && !declaring.ContainsGenericParameters)
        {
            var type = info.PropertyType;
            if (type == typeof(ReadOnlyMemory<float>) || type == typeof(ReadOnlyMemory<float>?) || type == typeof(float[]))
            {
                try
                {
                    var getterType = typeof(Func<,>).MakeGenericType(declaring, type);
                    var reader = typeof(SqliteTypedVectorReader<,>).MakeGenericType(declaring, type);
                    return (SqliteVectorReader)Activator.CreateInstance(reader, getter.CreateDelegate(getterType))!;
                }
                catch (ArgumentException)
                {
                    // Read through reflection below.
                }
            }
        }

        return new SqliteBoxedVectorReader(model);
    }
}

internal sealed class SqliteBoxedVectorReader(VectorPropertyModel model) : SqliteVectorReader
{
    public override ReadOnlyMemory<float>? Read(object record) => RecordModel.ToVector(model.GetValue(record));
}

internal sealed class SqliteTypedVectorReader<TRecord, TValue>(Func<TRecord, TValue> getter) : SqliteVectorReader
    where TRecord : class
{
    public override ReadOnlyMemory<float>? Read(object record)
    {
        TValue value = getter((TRecord)record);
        if (typeof(TValue) == typeof(ReadOnlyMemory<float>))
        {
            return Unsafe.As<TValue, ReadOnlyMemory<float>>(ref value);
        }

        if (typeof(TValue) == typeof(ReadOnlyMemory<float>?))
        {
            var nullable = Unsafe.As<TValue, ReadOnlyMemory<float>?>(ref value);
            return nullable.HasValue ? nullable.Value : RecordModel.ToVector(null);
        }

        // A null is read as RecordModel.ToVector reads it, so both paths treat a missing vector alike.
        return value is float[] array ? new ReadOnlyMemory<float>(array) : RecordModel.ToVector(null);
    }
}
