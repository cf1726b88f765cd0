namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>One property of a <see cref="SqliteStoredShape"/>.</summary>
internal sealed class SqliteStoredProperty
{
    /// <summary>The property name of the record type that created the collection.</summary>
    public string Name { get; set; } = "";

    /// <summary>The column name (the property's storage name).</summary>
    public string Column { get; set; } = "";

    /// <summary>"key", "data" or "vector".</summary>
    public string Role { get; set; } = "data";

    /// <summary>The storage token, see <see cref="SqliteColumn.StorageToken"/>.</summary>
    public string Storage { get; set; } = "";

    public bool? Indexed { get; set; }

    public bool? FullText { get; set; }

    public int? Dimensions { get; set; }

    public string? DistanceFunction { get; set; }
}
