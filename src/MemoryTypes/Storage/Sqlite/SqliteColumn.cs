using KernelMemoryPlus.Storage.Internal;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>A property of the record model and the column(s) that hold it.</summary>
internal sealed class SqliteColumn
{
    /// <summary>The hidden integer primary key of every collection table (the FTS5 content rowid).</summary>
    public const string RowIdColumn = "kmp_rowid";

    public SqliteColumn(PropertyModel property)
    {
        Property = property;
        ValueType = Nullable.GetUnderlyingType(property.Type) ?? property.Type;
        Name = property.StorageName;
        QuotedName = SqliteSql.Quote(Name);
        if (property is VectorPropertyModel vector)
        {
            Kind = SqliteColumnKind.Vector;
            Dimensions = vector.Dimensions;
            Vector = vector;
        }
        else
        {
            Kind = KindOf(ValueType, out var elementType);
            ElementType = elementType;
        }

        CompanionName = Kind switch
        {
            SqliteColumnKind.DateTimeOffset => Name + "$offset",
            SqliteColumnKind.DateTime => Name + "$kind",
            _ => null,
        };
        QuotedCompanionName = CompanionName is null ? null : SqliteSql.Quote(CompanionName);
    }

    public PropertyModel Property { get; }

    public VectorPropertyModel? Vector { get; }

    public SqliteColumnKind Kind { get; }

    /// <summary>The property type without <see cref="Nullable{T}"/>.</summary>
    public Type ValueType { get; }

    /// <summary>The element type of a JSON list column.</summary>
    public Type? ElementType { get; }

    public string Name { get; }

    public string QuotedName { get; }

    /// <summary>The second column of a DateTimeOffset (offset minutes) or DateTime (kind) property.</summary>
    public string? CompanionName { get; }

    public string? QuotedCompanionName { get; }

    public int Dimensions { get; }

    /// <summary>Number of SQL values the property occupies (1, or 2 with a companion column).</summary>
    public int Width => CompanionName is null ? 1 : 2;

    /// <summary>The declared SQL type of the main column.</summary>
    public string SqlType => Kind switch
    {
        SqliteColumnKind.Text or SqliteColumnKind.Guid or SqliteColumnKind.Decimal or SqliteColumnKind.Json => "TEXT",
        SqliteColumnKind.Integer or SqliteColumnKind.Boolean or SqliteColumnKind.DateTimeOffset or SqliteColumnKind.DateTime => "INTEGER",
        SqliteColumnKind.Real => "REAL",
        _ => "BLOB",
    };

    /// <summary>
    /// The storage type recorded in the catalog and compared when a collection is reopened: two CLR types with the
    /// same token share a layout (int/long, float/double, string[]/List&lt;string&gt;).
    /// </summary>
    public string StorageToken => Kind switch
    {
        SqliteColumnKind.Json => "json<" + KindOf(ElementType!, out _).ToString().ToLowerInvariant() + ">",
        SqliteColumnKind.Vector => "vector",
        _ => Kind.ToString().ToLowerInvariant(),
    };

    /// <summary>Whether the column can be compared with &lt;, &gt; and sorted.</summary>
    public bool IsOrderable => Kind is not (SqliteColumnKind.Json or SqliteColumnKind.Blob or SqliteColumnKind.Vector);

    /// <summary>A readable description for error messages, for example <c>Tags: json&lt;text&gt;</c>.</summary>
    public string Describe() => Kind == SqliteColumnKind.Vector
        ? $"{Name}: vector({Dimensions}, {Vector!.DistanceFunction})"
        : $"{Name}: {StorageToken}{(Property.IsFullTextIndexed ? " full-text" : "")}";

    private static SqliteColumnKind KindOf(Type type, out Type? elementType)
    {
        elementType = null;
        if (type == typeof(string) || type == typeof(object))
        {
            return SqliteColumnKind.Text;
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return SqliteColumnKind.Integer;
        }

        if (type == typeof(float) || type == typeof(double))
        {
            return SqliteColumnKind.Real;
        }

        if (type == typeof(bool))
        {
            return SqliteColumnKind.Boolean;
        }

        if (type == typeof(byte[]))
        {
            return SqliteColumnKind.Blob;
        }

        if (type == typeof(Guid))
        {
            return SqliteColumnKind.Guid;
        }

        if (type == typeof(DateTimeOffset))
        {
            return SqliteColumnKind.DateTimeOffset;
        }

        if (type == typeof(DateTime))
        {
            return SqliteColumnKind.DateTime;
        }

        if (type == typeof(decimal))
        {
            return SqliteColumnKind.Decimal;
        }

        elementType = SqliteValueCodec.GetElementType(type);
        if (elementType is not null)
        {
            return SqliteColumnKind.Json;
        }

        throw new NotSupportedException($"The SQLite store cannot hold a property of type '{type.Name}'.");
    }
}
