using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// An open connection with its cache of commands. A <see cref="SqliteCommand"/> keeps its prepared statement
/// between executions, so caching commands by their SQL text saves the statement compilation on every operation.
/// </summary>
/// <remarks>Not thread-safe: a context is used by one operation at a time (see <see cref="SqliteLease"/>).</remarks>
internal sealed class SqliteConnectionContext : IDisposable
{
    // Filters with value lists of varying length produce distinct SQL; the bound keeps such workloads from growing
    // the cache without limit.
    private const int MaxCachedCommands = 256;

    // Raw statements are the per-record statements of upserts: a few per collection written through this connection.
    // They are trimmed only between operations (see SyncSchema), never while an operation may hold one.
    private const int MaxCachedStatements = 64;

    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteRawStatement> _statements = new(StringComparer.Ordinal);
    private long _schemaGeneration;

    public SqliteConnectionContext(SqliteConnection connection, long schemaGeneration)
    {
        Connection = connection;
        _schemaGeneration = schemaGeneration;
    }

    public SqliteConnection Connection { get; }

    /// <summary>True while the connection is inside a transaction (SQLite's autocommit is off).</summary>
    public bool InTransaction =>
        Connection.State == System.Data.ConnectionState.Open && SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    /// <summary>The cached command for <paramref name="sql"/>; the caller sets its parameters before each use.</summary>
    public SqliteCommand Command(string sql)
    {
        if (!_commands.TryGetValue(sql, out var command))
        {
            if (_commands.Count >= MaxCachedCommands)
            {
                ClearCommands();
            }

            command = Connection.CreateCommand();
            command.CommandText = sql;
            _commands.Add(sql, command);
        }

        return command;
    }

    /// <summary>
    /// The cached raw statement for <paramref name="sql"/> (parameters bound by position); valid until the operation
    /// that asked for it ends.
    /// </summary>
    public SqliteRawStatement Statement(string sql)
    {
        if (!_statements.TryGetValue(sql, out var statement))
        {
            statement = new SqliteRawStatement(Connection, sql);
            _statements.Add(sql, statement);
        }

        return statement;
    }

    /// <summary>Executes a statement without parameters (BEGIN, COMMIT, SAVEPOINT...) through the statement cache.</summary>
    public void Execute(string sql) => Statement(sql).Execute();

    /// <summary>Executes a one-off statement without caching it (DDL, pragmas).</summary>
    public void ExecuteOnce(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Runs a one-off scalar query.</summary>
    public object? ScalarOnce(string sql)
    {
        using var command = Connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>
    /// Drops cached commands when the schema changed since they were prepared (tables dropped or recreated). Called
    /// when the connection is leased, between operations, so it also bounds the raw statement cache.
    /// </summary>
    public void SyncSchema(long generation)
    {
        if (generation != _schemaGeneration)
        {
            ClearCommands();
            ClearStatements();
            _schemaGeneration = generation;
        }
        else if (_statements.Count > MaxCachedStatements)
        {
            ClearStatements();
        }
    }

    public void Dispose()
    {
        // Statements are finalized before the connection closes.
        ClearCommands();
        ClearStatements();
        Connection.Dispose();
    }

    private void ClearCommands()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
    }

    private void ClearStatements()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }
}
