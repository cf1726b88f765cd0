namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>Which connection a <see cref="SqliteLease"/> holds.</summary>
internal enum SqliteLeaseKind
{
    /// <summary>A pooled reader connection (WAL snapshot reads, concurrent with the writer).</summary>
    Reader,

    /// <summary>The writer connection, exclusively, for one write operation in its own transaction.</summary>
    Writer,

    /// <summary>The writer connection inside the flow's ambient transaction (reads and writes).</summary>
    Ambient,
}
