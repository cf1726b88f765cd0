using System.Runtime.CompilerServices;
using KernelMemoryPlus.Storage.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// An embedded Microsoft.Extensions.VectorData store in one SQLite file: KernelMemoryPlus's default store.
/// </summary>
/// <remarks>
/// <para><b>File.</b> WAL journal, <c>synchronous=NORMAL</c> (or FULL), foreign keys on, a busy timeout. The file is
/// marked with its own application id and schema version; opening runs pending migrations, and refuses (with
/// <see cref="StoreSchemaException"/>, before writing anything) a file that is corrupt, another application's, or
/// from a newer version.</para>
/// <para><b>Collections.</b> Each collection is a table with a hidden integer row id, a unique key column, one column
/// per data property (TEXT, INTEGER, REAL or BLOB; lists and arrays as JSON text; bool as 0/1; Guid as text;
/// DateTimeOffset as INTEGER UTC ticks, which compare and sort by instant, plus a companion column with the offset in
/// minutes, so values read back exactly) and one float32 little-endian BLOB per vector property. Full-text
/// properties are indexed by an FTS5 external-content table (<c>porter unicode61</c>) that every write keeps in step
/// in the same transaction; the store maintains it itself, so the tables must be written only through the store.
/// The catalog table <c>kmp_collections</c> records each collection's shape, and a collection opened with an
/// incompatible record shape is refused.</para>
/// <para><b>Concurrency.</b> One writer connection (writers queue in process) and pooled reader connections that
/// read committed snapshots concurrently with it. <see cref="BeginTransactionAsync"/> opens an ambient transaction
/// that every operation of the calling flow joins.</para>
/// <para><b>Search.</b> Exact: the filtered rows' vectors are scanned and the best kept in a bounded heap. Hybrid
/// search fuses the vector ranking with the FTS5 bm25 ranking of the keywords by reciprocal rank fusion (k = 60),
/// each ranking contributing its best max(100, 4 × (skip + top)) records.</para>
/// </remarks>
public sealed class SqliteVectorStore : VectorStore, ITransactionalVectorStore, IAsyncDisposable
{
    private readonly SqliteVectorStoreOptions _options;
    private readonly VectorStoreMetadata _metadata;
    private int _disposed;

    /// <summary>Opens (creating if needed) the store in the file <paramref name="dataSource"/>.</summary>
    /// <param name="dataSource">Path of the database file.</param>
    /// <exception cref="StoreSchemaException">The file exists but is not a usable KernelMemoryPlus database.</exception>
    public SqliteVectorStore(string dataSource)
        : this(new SqliteVectorStoreOptions { DataSource = dataSource })
    {
    }

    /// <summary>Opens (creating if needed) the store described by <paramref name="options"/>.</summary>
    /// <param name="options">The file and connection settings.</param>
    /// <exception cref="ArgumentException">No data source, or an in-memory one.</exception>
    /// <exception cref="StoreSchemaException">The file exists but is not a usable KernelMemoryPlus database; it is left untouched.</exception>
    /// <exception cref="VectorStoreException">SQLite could not open or set up the file.</exception>
    public SqliteVectorStore(SqliteVectorStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataSource))
        {
            throw new ArgumentException("SqliteVectorStoreOptions.DataSource must name a database file.", nameof(options));
        }

        if (options.DataSource.Trim() == ":memory:" || options.DataSource.Contains("mode=memory", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("The SQLite store needs a file: its reader connections share the database through the file system. Use the in-memory store for a database without a file.", nameof(options));
        }

        _options = options;
        FilePath = Path.GetFullPath(options.DataSource);
        StoreName = Path.GetFileName(FilePath);
        _metadata = new VectorStoreMetadata { VectorStoreSystemName = SqliteErrors.SystemName, VectorStoreName = StoreName };

        if (Path.GetDirectoryName(FilePath) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        SqliteConnection? writer = null;
        try
        {
            SqliteSchema.Inspect(FilePath, options);
            writer = SqliteConnectionManager.Open(FilePath, options, writer: true);
            SqliteSchema.Upgrade(writer, FilePath);
        }
        catch (SqliteException ex)
        {
            writer?.Dispose();
            if ((ex.SqliteErrorCode & 0xFF) is 11 or 26)
            {
                throw new StoreSchemaException($"The file '{FilePath}' is corrupt or not a database ({ex.Message}). Restore it from a backup, or point the store at another path.", FilePath, ex);
            }

            throw SqliteErrors.Wrap(ex, StoreName, null, "Open");
        }
        catch
        {
            writer?.Dispose();
            throw;
        }

        Catalog = new SqliteCatalog();
        Connections = new SqliteConnectionManager(FilePath, StoreName, options, Catalog, writer);
    }

    /// <summary>The full path of the database file.</summary>
    public string FilePath { get; }

    internal string StoreName { get; }

    internal SqliteCatalog Catalog { get; }

    internal SqliteConnectionManager Connections { get; }

    /// <inheritdoc />
    /// <remarks>
    /// The transaction holds the store's writer from begin to commit or dispose, so writers of other flows wait for
    /// it; readers of other flows do not, and see only committed data. The ambient transaction is attached to the
    /// execution context of the caller: await this method directly in the method that uses the transaction (an async
    /// helper that begins it and returns it would drop it when the helper returns).
    /// </remarks>
    public ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        Connections.BeginTransactionAsync(cancellationToken);

    /// <inheritdoc />
    /// <exception cref="VectorStoreException">The collection exists with a shape the record cannot use (for example another vector dimension).</exception>
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        ValidateName(name);
        var model = RecordModel.Build(typeof(TRecord), definition, _options.EmbeddingGenerator);
        var collection = new SqliteCollection<TKey, TRecord>(this, name, model);
        collection.VerifyStoredShape();
        return collection;
    }

    /// <inheritdoc />
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return GetCollection<object, Dictionary<string, object?>>(name, definition);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<string> names;
        using (var lease = await Connections.AcquireAsync(write: false, cancellationToken))
        {
            try
            {
                names = Catalog.ListNames(lease);
            }
            catch (SqliteException ex)
            {
                throw SqliteErrors.Wrap(ex, StoreName, null, "ListCollectionNames");
            }
        }

        foreach (var name in names)
        {
            yield return name;
        }
    }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        using var lease = await Connections.AcquireAsync(write: false, cancellationToken);
        try
        {
            return Catalog.Find(lease, name) is not null;
        }
        catch (SqliteException ex)
        {
            throw SqliteErrors.Wrap(ex, StoreName, name, "CollectionExists");
        }
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        ValidateName(name);
        bool ambient;
        using (var lease = await Connections.AcquireAsync(write: true, cancellationToken))
        {
            ambient = lease.IsAmbient;
            if (ambient)
            {
                lease.Transaction?.MarkSchemaChanged();
            }

            try
            {
                lease.BeginWrite();
                try
                {
                    if (Catalog.Find(lease, name) is { } entry)
                    {
                        SqliteCatalog.Drop(lease, entry);
                    }

                    lease.CommitWrite();
                }
                catch
                {
                    lease.RollbackWrite();
                    throw;
                }
            }
            catch (SqliteException ex)
            {
                throw SqliteErrors.Wrap(ex, StoreName, name, "EnsureCollectionDeleted");
            }
        }

        if (!ambient)
        {
            Catalog.Invalidate();
        }
    }

    /// <summary>
    /// Compacts the file: merges each full-text index into one segment, rebuilds the database without free pages
    /// (<c>VACUUM</c>), and copies the write-ahead log into the database and truncates it.
    /// </summary>
    /// <remarks>
    /// Waits for running writes and blocks new ones while it works; readers carry on. It rewrites the whole file, so
    /// it takes time in proportion to its size and needs that much free disk space for a moment. Worth running after
    /// deleting much of the data; SQLite reuses free pages on its own otherwise.
    /// </remarks>
    /// <param name="cancellationToken">Cancels waiting for running writes.</param>
    /// <exception cref="InvalidOperationException">The calling flow has a transaction open; VACUUM cannot run inside one.</exception>
    /// <exception cref="VectorStoreException">SQLite failed; the file is unchanged.</exception>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        using var lease = await Connections.AcquireAsync(write: true, cancellationToken);
        if (lease.IsAmbient)
        {
            throw new InvalidOperationException("CompactAsync cannot run inside a transaction; commit or dispose the transaction of this flow first.");
        }

        try
        {
            var ftsTables = new List<string>();
            using (var command = lease.Context.Connection.CreateCommand())
            {
                command.CommandText = $"SELECT fts_table_name FROM {SqliteCatalog.TableName} WHERE fts_table_name IS NOT NULL";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    ftsTables.Add(reader.GetString(0));
                }
            }

            foreach (var fts in ftsTables.Select(SqliteSql.Quote))
            {
                lease.Context.ExecuteOnce($"INSERT INTO {fts}({fts}) VALUES ('optimize')");
            }

            lease.Context.ExecuteOnce("VACUUM");
            lease.Context.ExecuteOnce("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException ex)
        {
            throw SqliteErrors.Wrap(ex, StoreName, null, "Compact");
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>
    /// Closes every connection. An open transaction of the calling flow is rolled back; a write or transaction of
    /// another flow is waited for at most <see cref="SqliteVectorStoreOptions.BusyTimeout"/>, then rolled back by
    /// closing the connection.
    /// </summary>
    /// <returns>A completed task: closing SQLite connections is synchronous.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Connections.Dispose();
        }

        base.Dispose(disposing);
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("A collection name must not be empty.", nameof(name));
        }
    }
}
