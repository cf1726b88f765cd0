using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The transaction of <see cref="SqliteVectorStore.BeginTransactionAsync"/>: holds the writer connection inside
/// <c>BEGIN IMMEDIATE</c> from start to commit or dispose. Operations of the owning flow take
/// <see cref="OperationLock"/> so that tasks forked from the flow (which inherit it) never use the connection at
/// the same time.
/// </summary>
internal sealed class SqliteAmbientTransaction : IVectorStoreTransaction
{
    private readonly SqliteConnectionManager _manager;
    private volatile State _state = State.Starting;
    private int _writeLockHeld;

    public SqliteAmbientTransaction(SqliteConnectionManager manager)
    {
        _manager = manager;
    }

    private enum State
    {
        Starting,
        Active,
        Aborted,
        Completed,
    }

    /// <summary>Serializes operations on the transaction's connection. Held from creation until the start completes.</summary>
    public SemaphoreSlim OperationLock { get; } = new(0, 1);

    /// <summary>Not yet committed or disposed (operations of the flow belong to it).</summary>
    public bool IsOpen => _state != State.Completed;

    public bool IsActive => _state == State.Active;

    public bool IsAborted => _state == State.Aborted;

    public SqliteConnectionContext Context => _manager.Writer;

    public async ValueTask<IVectorStoreTransaction> StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _manager.WriteLock.WaitAsync(cancellationToken);
            Interlocked.Exchange(ref _writeLockHeld, 1);
            _manager.PrepareWriter();
            Context.Execute("BEGIN IMMEDIATE");
            _state = State.Active;
            return this;
        }
        catch (Exception ex)
        {
            _state = State.Completed;
            ReleaseWriteLock();
            if (ex is SqliteException sqlite)
            {
                throw _manager.Wrap(sqlite, "BeginTransaction");
            }

            throw;
        }
        finally
        {
            OperationLock.Release();
        }
    }

    /// <summary>Marks the transaction as rolled back by SQLite itself; commit then fails, dispose cleans up.</summary>
    /// <summary>True once the transaction created or dropped a collection: catalog lookups then bypass the cache.</summary>
    public bool SchemaChanged { get; private set; }

    /// <summary>Records that the transaction changes the schema (before the change is made).</summary>
    public void MarkSchemaChanged() => SchemaChanged = true;

    public void MarkAborted()
    {
        if (_state == State.Active)
        {
            _state = State.Aborted;
        }
    }

    public async ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        await OperationLock.WaitAsync(cancellationToken);
        try
        {
            switch (_state)
            {
                case State.Aborted:
                    throw new InvalidOperationException("The transaction cannot be committed: SQLite rolled it back after an earlier error. Dispose it and retry the work in a new transaction.");
                case State.Completed:
                    throw new InvalidOperationException("The transaction was already committed or rolled back.");
            }

            try
            {
                Context.Execute("COMMIT");
            }
            catch (SqliteException ex)
            {
                if (!Context.InTransaction)
                {
                    _state = State.Aborted;
                }

                throw _manager.Wrap(ex, "Commit");
            }

            Complete();
        }
        finally
        {
            OperationLock.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await OperationLock.WaitAsync();
        try
        {
            RollbackIfOpen();
        }
        finally
        {
            OperationLock.Release();
        }
    }

    /// <summary>Synchronous rollback used when the store is disposed with the transaction still open.</summary>
    public void Abandon()
    {
        OperationLock.Wait();
        try
        {
            RollbackIfOpen();
        }
        finally
        {
            OperationLock.Release();
        }
    }

    private void RollbackIfOpen()
    {
        if (_state is not (State.Active or State.Aborted))
        {
            return;
        }

        try
        {
            if (Context.InTransaction)
            {
                Context.Execute("ROLLBACK");
            }
        }
        catch (SqliteException)
        {
            // The next writer finds the connection still in a transaction and rolls it back (PrepareWriter).
        }

        Complete();
    }

    private void Complete()
    {
        _state = State.Completed;
        ReleaseWriteLock();
        _manager.OnTransactionEnded(SchemaChanged);
    }

    private void ReleaseWriteLock()
    {
        if (Interlocked.Exchange(ref _writeLockHeld, 0) == 1)
        {
            _manager.WriteLock.Release();
        }
    }
}
