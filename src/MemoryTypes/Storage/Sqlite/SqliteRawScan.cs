using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// Streams (row id, BLOB) pairs straight from SQLite's row buffer for the vector scan.
/// </summary>
/// <remarks>
/// Microsoft.Data.Sqlite copies every BLOB into a new managed array before <c>GetBytes</c> can copy it again; on a
/// scan over every stored vector that allocation dominated (measured about 3× slower than this path). Here the
/// statement runs through SQLitePCL's raw API on the same connection, and the BLOB is handed to the caller as a
/// span over SQLite's memory, valid until the next step.
/// </remarks>
internal static class SqliteRawScan
{
    /// <summary>Receives one row: the row id (column 0) and the BLOB (column 1).</summary>
    public delegate void RowHandler(long rowId, ReadOnlySpan<byte> blob);

    /// <summary>Runs <paramref name="sql"/> (selecting an integer and a BLOB) and calls <paramref name="handler"/> per row.</summary>
    public static void Run(SqliteConnection connection, string sql, SqliteFilter? filter, RowHandler handler, CancellationToken cancellationToken)
    {
        var db = connection.Handle!;
        int rc = raw.sqlite3_prepare_v2(db, sql, out sqlite3_stmt statement);
        SqliteException.ThrowExceptionForRC(rc, db);
        using (statement)
        {
            if (filter is not null)
            {
                foreach (var (name, value) in filter.Parameters)
                {
                    Bind(db, statement, name, value);
                }
            }

            int rows = 0;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if ((++rows & 0xFFF) == 0)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                handler(raw.sqlite3_column_int64(statement, 0), raw.sqlite3_column_blob(statement, 1));
            }

            if (rc != raw.SQLITE_DONE)
            {
                SqliteException.ThrowExceptionForRC(rc, db);
            }
        }
    }

    private static void Bind(sqlite3 db, sqlite3_stmt statement, string name, object value)
    {
        int index = raw.sqlite3_bind_parameter_index(statement, name);
        if (index == 0)
        {
            return;
        }

        int rc = value switch
        {
            long l => raw.sqlite3_bind_int64(statement, index, l),
            int i => raw.sqlite3_bind_int64(statement, index, i),
            double d => raw.sqlite3_bind_double(statement, index, d),
            string s => raw.sqlite3_bind_text(statement, index, s),
            byte[] b => raw.sqlite3_bind_blob(statement, index, b),
            DBNull => raw.sqlite3_bind_null(statement, index),
            _ => throw new InvalidOperationException($"A filter parameter of type '{value.GetType().Name}' cannot be bound."),
        };
        SqliteException.ThrowExceptionForRC(rc, db);
    }
}
