using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Exclusive use of one connection for one operation; disposing it gives the connection back.
/// </summary>
/// <remarks>
/// Write operations call <see cref="BeginWrite"/>/<see cref="CommitWrite"/>: on the writer connection that is a
/// transaction of their own (<c>BEGIN IMMEDIATE</c>); inside an ambient transaction it is a savepoint, so a failed
/// batch is undone as a whole while the transaction stays usable.
/// </remarks>
internal sealed class SqliteLease : IDisposable
{
    private const string Savepoint = "kmp_op";

    private readonly SqliteConnectionManager _manager;
    private bool _released;

    internal SqliteLease(SqliteConnectionManager manager, SqliteConnectionContext context, SqliteLeaseKind kind, SqliteAmbientTransaction? transaction)
    {
        _manager = manager;
        Context = context;
        Kind = kind;
        Transaction = transaction;
    }

    public SqliteConnectionContext Context { get; }

    public SqliteLeaseKind Kind { get; }

    public bool IsAmbient => Kind == SqliteLeaseKind.Ambient;

    public SqliteAmbientTransaction? Transaction { get; }

    public void BeginWrite() => Context.Execute(IsAmbient ? "SAVEPOINT " + Savepoint : "BEGIN IMMEDIATE");

    public void CommitWrite() => Context.Execute(IsAmbient ? "RELEASE " + Savepoint : "COMMIT");

    /// <summary>Undoes the operation's writes. Never throws, so the original error is the one reported.</summary>
    public void RollbackWrite()
    {
        try
        {
            if (!Context.InTransaction)
            {
                // SQLite rolled the whole transaction back on its own (I/O error, disk full): the ambient
                // transaction lost its earlier writes too, so it must not carry on as if nothing happened.
                Transaction?.MarkAborted();
                return;
            }

            if (IsAmbient)
            {
                Context.Execute("ROLLBACK TO " + Savepoint);
                Context.Execute("RELEASE " + Savepoint);
            }
            else
            {
                Context.Execute("ROLLBACK");
            }
        }
        catch (SqliteException)
        {
            Transaction?.MarkAborted();
        }
    }

    /// <summary>Starts a read snapshot on a reader connection, so multi-statement reads see one state.</summary>
    public void BeginRead()
    {
        if (Kind == SqliteLeaseKind.Reader)
        {
            Context.Execute("BEGIN");
        }
    }

    public void Dispose()
    {
        if (!_released)
        {
            _released = true;
            _manager.Release(this);
        }
    }
}
