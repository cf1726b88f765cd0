using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The store's connections: one writer (SQLite allows one writer at a time anyway, so writers queue on a
/// semaphore in process instead of spinning on SQLITE_BUSY) and a pool of readers, which WAL lets read a committed
/// snapshot while the writer works. Also owns the ambient transaction of each asynchronous flow.
/// </summary>
internal sealed class SqliteConnectionManager : IDisposable
{
    private readonly string _path;
    private readonly string _storeName;
    private readonly SqliteVectorStoreOptions _options;
    private readonly SqliteCatalog _catalog;
    private readonly SemaphoreSlim _readerSlots;
    private readonly ConcurrentBag<SqliteConnectionContext> _idleReaders = [];
    private readonly AsyncLocal<SqliteAmbientTransaction?> _ambient = new();
    private volatile bool _disposed;

    public SqliteConnectionManager(string path, string storeName, SqliteVectorStoreOptions options, SqliteCatalog catalog, SqliteConnection writer)
    {
        _path = path;
        _storeName = storeName;
        _options = options;
        _catalog = catalog;
        Writer = new SqliteConnectionContext(writer, catalog.Generation);
        _readerSlots = new SemaphoreSlim(Math.Max(1, options.MaxReaderConnections));
    }

    public SqliteConnectionContext Writer { get; }

    /// <summary>Held by a write operation or an open transaction.</summary>
    public SemaphoreSlim WriteLock { get; } = new(1, 1);

    /// <summary>Opens a connection to the store file with the store's pragmas.</summary>
    public static SqliteConnection Open(string path, SqliteVectorStoreOptions options, bool writer)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = writer ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Cache = SqliteCacheMode.Private,
            // The store pools its own connections; the driver's pool would keep the file open after disposal.
            Pooling = false,
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            var busy = (long)Math.Max(0, options.BusyTimeout.TotalMilliseconds);
            var synchronous = options.Synchronous == SqliteSynchronousMode.Full ? "FULL" : "NORMAL";
            // Readers map the file (mmap) so a vector scan reads pages in place instead of through read() calls
            // and a small page cache; the writer keeps a larger cache for big batches.
            command.CommandText = string.Create(
                CultureInfo.InvariantCulture,
                $"PRAGMA busy_timeout = {busy}; PRAGMA foreign_keys = ON; PRAGMA synchronous = {synchronous}; PRAGMA temp_store = MEMORY;")
                + (writer ? " PRAGMA cache_size = -32768;" : " PRAGMA query_only = ON; PRAGMA mmap_size = 268435456;");
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Begins the flow's ambient transaction; see <see cref="ITransactionalVectorStore"/>.</summary>
    /// <remarks>
    /// Deliberately not an async method: the AsyncLocal must be set in the caller's execution context, and an async
    /// method would restore the caller's context (dropping the value) when it returns.
    /// </remarks>
    public ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_ambient.Value is { IsOpen: true })
        {
            throw new InvalidOperationException("A transaction is already open in this asynchronous flow, and transactions do not nest. Commit or dispose it before beginning another.");
        }

        var transaction = new SqliteAmbientTransaction(this);
        _ambient.Value = transaction;
        return transaction.StartAsync(cancellationToken);
    }

    /// <summary>Leases the connection for one operation: the ambient transaction's if the flow has one, else the writer or a reader.</summary>
    public async ValueTask<SqliteLease> AcquireAsync(bool write, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var ambient = _ambient.Value;
        if (ambient is { IsOpen: true })
        {
            await ambient.OperationLock.WaitAsync(cancellationToken);
            if (TryJoin(ambient) is { } joined)
            {
                return joined;
            }
        }

        if (write)
        {
            await WriteLock.WaitAsync(cancellationToken);
            return LeaseWriter();
        }

        await _readerSlots.WaitAsync(cancellationToken);
        return LeaseReader();
    }

    /// <summary>The synchronous form of <see cref="AcquireAsync"/>, for the few synchronous API members.</summary>
    public SqliteLease Acquire(bool write)
    {
        ThrowIfDisposed();
        var ambient = _ambient.Value;
        if (ambient is { IsOpen: true })
        {
            ambient.OperationLock.Wait();
            if (TryJoin(ambient) is { } joined)
            {
                return joined;
            }
        }

        if (write)
        {
            WriteLock.Wait();
            return LeaseWriter();
        }

        _readerSlots.Wait();
        return LeaseReader();
    }

    /// <summary>Returns a leased connection.</summary>
    public void Release(SqliteLease lease)
    {
        switch (lease.Kind)
        {
            case SqliteLeaseKind.Ambient:
                lease.Transaction!.OperationLock.Release();
                break;
            case SqliteLeaseKind.Writer:
                EndStrayTransaction(lease.Context);
                if (_disposed)
                {
                    Writer.Dispose();
                }

                WriteLock.Release();
                break;
            default:
                EndStrayTransaction(lease.Context);
                if (_disposed)
                {
                    lease.Context.Dispose();
                }
                else
                {
                    _idleReaders.Add(lease.Context);
                }

                _readerSlots.Release();
                break;
        }
    }

    /// <summary>Makes the writer ready for a new transaction (drops stale commands, ends a transaction left open by a failure).</summary>
    public void PrepareWriter()
    {
        Writer.SyncSchema(_catalog.Generation);
        EndStrayTransaction(Writer);
    }

    /// <summary>Called when a transaction ends; the cached catalog only goes stale when it changed the schema.</summary>
    public void OnTransactionEnded(bool schemaChanged)
    {
        if (schemaChanged)
        {
            _catalog.Invalidate();
        }
    }

    public VectorStoreException Wrap(Exception exception, string operation) => SqliteErrors.Wrap(exception, _storeName, null, operation);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ambient.Value is { IsOpen: true } ambient)
        {
            ambient.Abandon();
        }

        // Wait for a running write to finish; a transaction left open by another flow is rolled back when the
        // connection closes.
        if (WriteLock.Wait(_options.BusyTimeout))
        {
            Writer.Dispose();
            WriteLock.Release();
        }
        else
        {
            Writer.Dispose();
        }

        while (_idleReaders.TryTake(out var reader))
        {
            reader.Dispose();
        }
    }

    private static void EndStrayTransaction(SqliteConnectionContext context)
    {
        try
        {
            if (context.InTransaction)
            {
                context.Execute("ROLLBACK");
            }
        }
        catch (SqliteException)
        {
            // Nothing more can be done here; the next BEGIN reports the problem with its own error.
        }
    }

    private SqliteLease? TryJoin(SqliteAmbientTransaction ambient)
    {
        if (ambient.IsActive)
        {
            return new SqliteLease(this, Writer, SqliteLeaseKind.Ambient, ambient);
        }

        ambient.OperationLock.Release();
        if (ambient.IsAborted)
        {
            throw new InvalidOperationException("The transaction of this flow was rolled back by SQLite after an error; dispose it and retry the work in a new transaction.");
        }

        return null;
    }

    private SqliteLease LeaseWriter()
    {
        if (_disposed)
        {
            WriteLock.Release();
            ThrowIfDisposed();
        }

        PrepareWriter();
        return new SqliteLease(this, Writer, SqliteLeaseKind.Writer, null);
    }

    private SqliteLease LeaseReader()
    {
        try
        {
            ThrowIfDisposed();
            if (!_idleReaders.TryTake(out var context))
            {
                context = new SqliteConnectionContext(Open(_path, _options, writer: false), _catalog.Generation);
            }

            context.SyncSchema(_catalog.Generation);
            return new SqliteLease(this, context, SqliteLeaseKind.Reader, null);
        }
        catch
        {
            _readerSlots.Release();
            throw;
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, typeof(SqliteVectorStore));
}
