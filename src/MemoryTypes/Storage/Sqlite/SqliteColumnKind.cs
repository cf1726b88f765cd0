namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>How a property is stored in its SQLite column(s).</summary>
internal enum SqliteColumnKind
{
    /// <summary>TEXT: strings.</summary>
    Text,

    /// <summary>INTEGER: int and long.</summary>
    Integer,

    /// <summary>REAL: float and double.</summary>
    Real,

    /// <summary>INTEGER 0/1.</summary>
    Boolean,

    /// <summary>BLOB: byte arrays.</summary>
    Blob,

    /// <summary>TEXT in the lower-case "D" format.</summary>
    Guid,

    /// <summary>INTEGER UTC ticks (sorts by instant) plus an INTEGER companion column with the offset in minutes.</summary>
    DateTimeOffset,

    /// <summary>INTEGER ticks plus an INTEGER companion column with the <see cref="DateTimeKind"/>.</summary>
    DateTime,

    /// <summary>TEXT, the invariant form without trailing zeros (exact); compared as REAL in range filters.</summary>
    Decimal,

    /// <summary>TEXT holding a JSON array (string lists and other arrays).</summary>
    Json,

    /// <summary>BLOB of float32 values, little-endian.</summary>
    Vector,
}
