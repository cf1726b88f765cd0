using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>Options of a <see cref="SqliteVectorStore"/>.</summary>
public sealed class SqliteVectorStoreOptions
{
    /// <summary>
    /// Path of the database file. It is created, with its directory, when it does not exist. The store also uses the
    /// <c>-wal</c> and <c>-shm</c> files next to it.
    /// </summary>
    public string DataSource { get; set; } = "";

    /// <summary>
    /// The embedding generator used for vector properties whose value is not a vector (for example a string) and for
    /// searches with a non-vector input, unless the collection definition or the property names its own.
    /// </summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }

    /// <summary>
    /// How long an operation waits for a lock held by another process on the same file before it fails.
    /// Writers of the same store instance queue in process and do not count against it. Default 30 seconds.
    /// </summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The durability of commits; default <see cref="SqliteSynchronousMode.Normal"/>.</summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Normal;

    /// <summary>
    /// The most reader connections the store keeps open; reads beyond it wait. Default: the processor count, at
    /// least 2.
    /// </summary>
    public int MaxReaderConnections { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>
    /// Whether opening an existing file runs <c>PRAGMA quick_check</c> and refuses a corrupt file. Default true; the
    /// check reads the whole file once, so very large stores that are opened often may turn it off.
    /// </summary>
    public bool VerifyIntegrityOnOpen { get; set; } = true;
}
