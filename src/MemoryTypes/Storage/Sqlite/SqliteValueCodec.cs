using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Converts property values to the values bound to SQLite parameters and back.
/// </summary>
/// <remarks>
/// Storage choices (recorded in the catalog, so they must not change without a migration):
/// <list type="bullet">
/// <item>DateTimeOffset: main column INTEGER <see cref="DateTimeOffset.UtcTicks"/>, so comparisons and ORDER BY follow
/// the instant exactly as .NET's own operators do; companion column <c>name$offset</c> INTEGER offset minutes, so the
/// value reads back with its original offset. Round trip is exact to the tick.</item>
/// <item>DateTime: main column INTEGER <see cref="DateTime.Ticks"/> (compared like .NET, which ignores Kind), companion
/// column <c>name$kind</c> with the <see cref="DateTimeKind"/>.</item>
/// <item>decimal: TEXT in the shortest invariant form ("12.5"), exact; equality compares that text, range filters and
/// sorting compare <c>CAST(column AS REAL)</c>.</item>
/// <item>Guid: TEXT "D" lower case. bool: INTEGER 0/1. Lists and arrays: JSON array TEXT.</item>
/// <item>Vectors: BLOB of float32 little-endian, dimensions × 4 bytes.</item>
/// </list>
/// </remarks>
internal static class SqliteValueCodec
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.General);

    /// <summary>The element type of a list or array type other than byte[], or null.</summary>
    public static Type? GetElementType(Type type)
    {
        if (type.IsArray)
        {
            return type == typeof(byte[]) ? null : type.GetElementType();
        }

        if (type.IsGenericType && type.GetGenericArguments() is [var element])
        {
            var definition = type.GetGenericTypeDefinition();
            if (definition == typeof(List<>) || definition == typeof(IList<>) || definition == typeof(IReadOnlyList<>)
                || definition == typeof(ICollection<>) || definition == typeof(IReadOnlyCollection<>) || definition == typeof(IEnumerable<>))
            {
                return element;
            }
        }

        return null;
    }

    /// <summary>The value bound to the main column of <paramref name="column"/>; <see cref="DBNull"/> for null.</summary>
    public static object Encode(SqliteColumn column, object? value)
    {
        if (value is null)
        {
            return DBNull.Value;
        }

        return column.Kind switch
        {
            SqliteColumnKind.Text => value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
            SqliteColumnKind.Integer => Convert.ToInt64(value, CultureInfo.InvariantCulture),
            SqliteColumnKind.Real => Convert.ToDouble(value, CultureInfo.InvariantCulture),
            SqliteColumnKind.Boolean => Convert.ToBoolean(value, CultureInfo.InvariantCulture) ? 1L : 0L,
            SqliteColumnKind.Blob => value as byte[] ?? throw BadValue(column, value),
            SqliteColumnKind.Guid => ToGuid(column, value).ToString("D"),
            SqliteColumnKind.DateTimeOffset => ToDateTimeOffset(column, value).UtcTicks,
            SqliteColumnKind.DateTime => ToDateTime(column, value).Ticks,
            SqliteColumnKind.Decimal => EncodeDecimal(Convert.ToDecimal(value, CultureInfo.InvariantCulture)),
            SqliteColumnKind.Json => JsonSerializer.Serialize(value, value.GetType(), s_json),
            _ => throw new InvalidOperationException($"Vector column '{column.Name}' is not encoded as a scalar."),
        };
    }

    /// <summary>The value bound to the companion column (offset minutes, or DateTime kind).</summary>
    public static object EncodeCompanion(SqliteColumn column, object? value)
    {
        if (value is null)
        {
            return DBNull.Value;
        }

        return column.Kind switch
        {
            SqliteColumnKind.DateTimeOffset => (long)ToDateTimeOffset(column, value).Offset.TotalMinutes,
            SqliteColumnKind.DateTime => (long)ToDateTime(column, value).Kind,
            _ => DBNull.Value,
        };
    }

    /// <summary>
    /// The value compared with the main column in a filter. Like <see cref="Encode"/>, except that a fractional
    /// number compared with an integer column stays fractional (so <c>Count &gt; 2.5</c> means what it says) and a
    /// decimal in a range comparison is a double (the column is compared as REAL).
    /// </summary>
    public static object EncodeComparable(SqliteColumn column, object value, bool forRange)
    {
        if (column.Kind == SqliteColumnKind.Integer && value is float or double or decimal)
        {
            return Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }

        if (column.Kind == SqliteColumnKind.Decimal && forRange)
        {
            return Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }

        return Encode(column, value);
    }

    /// <summary>An element of a JSON list column as <c>json_each(...).value</c> returns it.</summary>
    public static object EncodeJsonElement(SqliteColumn column, object value)
    {
        var elementType = Nullable.GetUnderlyingType(column.ElementType!) ?? column.ElementType!;
        if (elementType == typeof(string))
        {
            return value as string ?? Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        }

        if (elementType == typeof(int) || elementType == typeof(long) || elementType == typeof(short) || elementType == typeof(byte))
        {
            return Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        if (elementType == typeof(float))
        {
            // JSON holds the shortest text of the float ("0.1"), which SQLite parses as the double 0.1, not as
            // (double)0.1f; compare with the same parse.
            return double.Parse(Convert.ToSingle(value, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        if (elementType == typeof(double) || elementType == typeof(decimal))
        {
            return Convert.ToDouble(value, CultureInfo.InvariantCulture);
        }

        if (elementType == typeof(bool))
        {
            return Convert.ToBoolean(value, CultureInfo.InvariantCulture) ? 1L : 0L;
        }

        if (elementType == typeof(Guid))
        {
            return ((Guid)value).ToString("D");
        }

        throw new NotSupportedException($"Filtering the list property '{column.Property.Name}' by elements of type '{elementType.Name}' is not supported.");
    }

    /// <summary>The value bound to the key column.</summary>
    /// <exception cref="ArgumentException">The key is null or of the wrong type.</exception>
    public static object EncodeKey(SqliteColumn key, object? value)
    {
        switch (value)
        {
            case null:
                throw new ArgumentException($"The key '{key.Property.Name}' of a record must not be null.");
            case string s:
                if (key.Kind == SqliteColumnKind.Guid)
                {
                    return Guid.TryParse(s, out var parsed) ? parsed.ToString("D") : throw new ArgumentException($"The key '{s}' is not a Guid.");
                }

                return s;
            case Guid g:
                return g.ToString("D");
            case int or long or short:
                return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            default:
                throw new ArgumentException($"A key of type '{value.GetType().Name}' is not supported; use string, Guid, int or long.");
        }
    }

    /// <summary>Reads the key column back as the key property's type.</summary>
    public static object DecodeKey(SqliteColumn key, SqliteDataReader reader, int ordinal)
    {
        var type = key.ValueType;
        if (type == typeof(string))
        {
            return reader.GetString(ordinal);
        }

        if (type == typeof(Guid))
        {
            return Guid.Parse(reader.GetString(ordinal));
        }

        if (type == typeof(int))
        {
            return reader.GetInt32(ordinal);
        }

        if (type == typeof(long))
        {
            return reader.GetInt64(ordinal);
        }

        return reader.GetValue(ordinal);
    }

    /// <summary>Reads a scalar or list property back as its CLR type; null when the column is NULL.</summary>
    public static object? Decode(SqliteColumn column, SqliteDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        var type = column.ValueType;
        switch (column.Kind)
        {
            case SqliteColumnKind.Text:
                return reader.GetString(ordinal);
            case SqliteColumnKind.Integer:
                // Boxed separately: a conditional expression would widen the int to long.
                return type == typeof(int) ? (object)reader.GetInt32(ordinal) : reader.GetInt64(ordinal);
            case SqliteColumnKind.Real:
                return type == typeof(float) ? (object)(float)reader.GetDouble(ordinal) : reader.GetDouble(ordinal);
            case SqliteColumnKind.Boolean:
                return reader.GetInt64(ordinal) != 0;
            case SqliteColumnKind.Blob:
                return reader.GetFieldValue<byte[]>(ordinal);
            case SqliteColumnKind.Guid:
                return Guid.Parse(reader.GetString(ordinal));
            case SqliteColumnKind.DateTimeOffset:
                {
                    var utcTicks = reader.GetInt64(ordinal);
                    var offset = TimeSpan.FromMinutes(reader.IsDBNull(ordinal + 1) ? 0 : reader.GetInt64(ordinal + 1));
                    return new DateTimeOffset(utcTicks + offset.Ticks, offset);
                }

            case SqliteColumnKind.DateTime:
                {
                    var kind = reader.IsDBNull(ordinal + 1) ? DateTimeKind.Unspecified : (DateTimeKind)reader.GetInt64(ordinal + 1);
                    return new DateTime(reader.GetInt64(ordinal), kind);
                }

            case SqliteColumnKind.Decimal:
                return decimal.Parse(reader.GetString(ordinal), NumberStyles.Float, CultureInfo.InvariantCulture);
            case SqliteColumnKind.Json:
                return JsonSerializer.Deserialize(reader.GetString(ordinal), type, s_json);
            default:
                throw new InvalidOperationException($"Vector column '{column.Name}' is not decoded as a scalar.");
        }
    }

    /// <summary>Writes a vector into <paramref name="buffer"/> (exactly dimensions × 4 bytes) as float32 little-endian.</summary>
    public static void WriteVector(ReadOnlySpan<float> vector, byte[] buffer)
    {
        var bytes = MemoryMarshal.AsBytes(vector);
        bytes.CopyTo(buffer);
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<byte, int>(buffer.AsSpan());
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Reads a vector BLOB into a new array.</summary>
    public static float[] ReadVector(SqliteDataReader reader, int ordinal, int dimensions)
    {
        var blob = reader.GetFieldValue<byte[]>(ordinal);
        if (blob.Length != dimensions * sizeof(float))
        {
            throw new InvalidOperationException($"A stored vector has {blob.Length} bytes where {dimensions} dimensions need {dimensions * sizeof(float)}; the file was changed by another tool.");
        }

        return AsVector(blob, BitConverter.IsLittleEndian ? null : new byte[blob.Length]).ToArray();
    }

    /// <summary>
    /// Views a stored vector BLOB as floats without copying; on a big-endian machine the bytes are swapped into
    /// <paramref name="swapBuffer"/> first.
    /// </summary>
    public static ReadOnlySpan<float> AsVector(ReadOnlySpan<byte> blob, byte[]? swapBuffer)
    {
        if (BitConverter.IsLittleEndian)
        {
            return MemoryMarshal.Cast<byte, float>(blob);
        }

        blob.CopyTo(swapBuffer);
        var ints = MemoryMarshal.Cast<byte, int>(swapBuffer.AsSpan(0, blob.Length));
        BinaryPrimitives.ReverseEndianness(ints, ints);
        return MemoryMarshal.Cast<byte, float>(swapBuffer.AsSpan(0, blob.Length));
    }

    private static string EncodeDecimal(decimal value) => value.ToString("G29", CultureInfo.InvariantCulture);

    private static Guid ToGuid(SqliteColumn column, object value) => value switch
    {
        Guid g => g,
        string s when Guid.TryParse(s, out var parsed) => parsed,
        _ => throw BadValue(column, value),
    };

    private static DateTimeOffset ToDateTimeOffset(SqliteColumn column, object value) => value switch
    {
        DateTimeOffset d => d,
        DateTime d => new DateTimeOffset(d),
        _ => throw BadValue(column, value),
    };

    private static DateTime ToDateTime(SqliteColumn column, object value) => value switch
    {
        DateTime d => d,
        DateTimeOffset d => d.UtcDateTime,
        _ => throw BadValue(column, value),
    };

    private static ArgumentException BadValue(SqliteColumn column, object value) =>
        new($"The property '{column.Property.Name}' holds a value of type '{value.GetType().Name}', which cannot be stored as {column.StorageToken}.");
}
