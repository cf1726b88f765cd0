using KernelMemoryPlus.Internal;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>Which parts of the connector's schema the SQLite floor keeps.</summary>
internal enum FloorVariant
{
    /// <summary>The table, its indexes, the FTS5 table and its triggers, exactly as the connector created them.</summary>
    ConnectorSchema,

    /// <summary>Without the FTS5 table and triggers.</summary>
    NoFullText,

    /// <summary>Without FTS5 and without the secondary indexes (the key's UNIQUE index stays).</summary>
    NoFullTextNoIndexes,
}

/// <summary>
/// The floor under the SQLite connector: the same rows written with plain Microsoft.Data.Sqlite (one prepared
/// INSERT ... ON CONFLICT DO UPDATE, one transaction per batch, the connector's pragmas) into a table whose DDL is
/// copied from a file the connector itself created, with its FTS5 table fed the way the connector feeds it (by
/// triggers when its schema has them, else one INSERT ... SELECT per batch). It shows what SQLite costs for this schema, so the connector's
/// and the engine's overheads can be told apart from SQLite's own work; the variants show what the FTS5 index and
/// the secondary indexes cost.
/// </summary>
internal static class SqliteFloor
{
    /// <summary>Short name of a variant for output.</summary>
    /// <param name="variant">The variant.</param>
    public static string Name(FloorVariant variant) => variant switch
    {
        FloorVariant.ConnectorSchema => "sqlite floor",
        FloorVariant.NoFullText => "floor, no FTS5",
        _ => "floor, no FTS5/idx",
    };

    /// <summary>The DDL the connector creates for the raw record's collection (read back from sqlite_master).</summary>
    /// <param name="folder">Scratch folder for the schema file.</param>
    /// <param name="dimensions">Vector dimensions.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<ConnectorSchema> ReadConnectorSchemaAsync(ScratchFolder folder, int dimensions, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder.Path, "schema-source.db");
        using (var store = new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = path }))
        {
            var collection = store.GetCollection<string, StoredMemory>("kmp_memories", StoredMemory.Definition(dimensions));
            await collection.EnsureCollectionExistsAsync(cancellationToken);
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        string table, fts;
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT table_name, coalesce(fts_table_name, '') FROM kmp_collections WHERE name = 'kmp_memories'";
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                throw new BenchException("The SQLite connector's catalog has no entry for the collection it just created; the floor cannot copy its schema.");
            }

            table = reader.GetString(0);
            fts = reader.GetString(1);
        }

        var statements = new List<(string Type, string Sql)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT type, sql FROM sqlite_master WHERE sql IS NOT NULL AND (tbl_name = $table OR name = $fts) ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid";
            command.Parameters.AddWithValue("$table", table);
            command.Parameters.AddWithValue("$fts", fts);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                statements.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        var columns = new List<string>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT name FROM pragma_table_info('{table.Replace("'", "''", StringComparison.Ordinal)}')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                columns.Add(reader.GetString(0));
            }
        }

        var ftsColumns = new List<string>();
        if (fts.Length > 0)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT name FROM pragma_table_info('{fts.Replace("'", "''", StringComparison.Ordinal)}')";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                ftsColumns.Add(reader.GetString(0));
            }
        }

        bool triggers = statements.Any(s => s.Type == "trigger");
        return new ConnectorSchema(table, statements, columns, fts.Length > 0 ? fts : null, ftsColumns, triggers);
    }

    /// <summary>Writes the batches into a fresh file with the given variant of the schema; returns the wall time.</summary>
    /// <param name="schema">The connector's schema.</param>
    /// <param name="variant">What to keep of it.</param>
    /// <param name="folder">Scratch folder for the database file.</param>
    /// <param name="batches">The rows, as the connector baseline writes them.</param>
    /// <param name="progress">Called with the number of rows after each batch.</param>
    public static FloorTiming Write(ConnectorSchema schema, FloorVariant variant, ScratchFolder folder, IReadOnlyList<StoredMemory[]> batches, Action<int> progress)
    {
        var path = Path.Combine(folder.Path, $"floor-{variant}.db");
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 30000; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32768;");
        foreach (var (type, sql) in schema.Statements)
        {
            bool fullText = type == "trigger" || sql.StartsWith("CREATE VIRTUAL TABLE", StringComparison.OrdinalIgnoreCase);
            if ((fullText && variant != FloorVariant.ConnectorSchema) || (type == "index" && variant == FloorVariant.NoFullTextNoIndexes))
            {
                continue;
            }

            Execute(connection, sql);
        }

        // Every column but the hidden integer row id, named like the record's properties.
        var columns = schema.Columns.Where(c => c != "kmp_rowid").ToList();
        var getters = columns.Select(c => typeof(StoredMemory).GetProperty(c)).ToList();
        var quoted = columns.Select(c => "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"").ToList();
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO \"{schema.Table}\" ({string.Join(", ", quoted)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))}) "
            + $"ON CONFLICT ({quoted[0]}) DO UPDATE SET {string.Join(", ", quoted.Skip(1).Select(q => $"{q} = excluded.{q}"))}";
        var parameters = columns.Select((_, i) => command.Parameters.Add(new SqliteParameter("@p" + i, DBNull.Value))).ToArray();

        // Values are encoded before the clock starts (the floor measures SQLite, not encoding).
        var rows = batches.Select(batch => batch.Select(record => getters.Select(g => Encode(g?.GetValue(record))).ToArray()).ToList()).ToList();

        command.Prepare();

        // Without triggers the FTS5 table is fed per batch, as the connector does (rows of this batch = row ids above
        // the largest one before it).
        SqliteCommand? ftsFeed = null;
        SqliteCommand? maxRowId = null;
        if (variant == FloorVariant.ConnectorSchema && schema.FtsTable is not null && !schema.FtsByTriggers && schema.FtsColumns.Count > 0)
        {
            var ftsQuoted = string.Join(", ", schema.FtsColumns.Select(c => "\"" + c.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""));
            ftsFeed = connection.CreateCommand();
            ftsFeed.CommandText = $"INSERT INTO \"{schema.FtsTable}\"(rowid, {ftsQuoted}) SELECT kmp_rowid, {ftsQuoted} FROM \"{schema.Table}\" WHERE kmp_rowid > @after";
            ftsFeed.Parameters.Add(new SqliteParameter("@after", 0L));
            maxRowId = connection.CreateCommand();
            maxRowId.CommandText = $"SELECT coalesce(max(kmp_rowid), 0) FROM \"{schema.Table}\"";
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var pause = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        foreach (var batch in rows)
        {
            using (var transaction = connection.BeginTransaction())
            {
                command.Transaction = transaction;
                long after = 0;
                if (maxRowId is not null)
                {
                    maxRowId.Transaction = transaction;
                    after = Convert.ToInt64(maxRowId.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                }

                foreach (var row in batch)
                {
                    for (int i = 0; i < row.Length; i++)
                    {
                        parameters[i].Value = row[i];
                    }

                    command.ExecuteNonQuery();
                }

                if (ftsFeed is not null)
                {
                    ftsFeed.Transaction = transaction;
                    ftsFeed.Parameters[0].Value = after;
                    ftsFeed.ExecuteNonQuery();
                }

                transaction.Commit();
            }

            progress(batch.Count);
        }

        double seconds = Stats.Ms(start, Stopwatch.GetTimestamp()) / 1000.0;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var timing = new FloorTiming(
            seconds,
            cpuSeconds,
            (GC.GetTotalPauseDuration() - pause).TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(2) - gen2,
            0);
        using (var count = connection.CreateCommand())
        {
            count.CommandText = $"SELECT count(*) FROM \"{schema.Table}\"";
            long stored = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            if (stored != rows.Sum(b => b.Count))
            {
                throw new BenchException($"The SQLite floor table holds {stored} rows after writing {rows.Sum(b => b.Count)}.");
            }
        }

        ftsFeed?.Dispose();
        maxRowId?.Dispose();
        connection.Close();
        return timing with { FileBytes = folder.SizeBytes() };
    }

    private static object Encode(object? value) => value switch
    {
        null => DBNull.Value,
        string s => s,
        bool b => b ? 1L : 0L,
        int i => (long)i,
        long l => l,
        double d => d,
        List<string> list => JsonSerializer.Serialize(list),
        ReadOnlyMemory<float> vector => MemoryMarshal.AsBytes(vector.Span).ToArray(),
        _ => value.ToString() ?? (object)DBNull.Value,
    };

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>What one floor run measured (allocations and GCs of the timed loop only).</summary>
/// <param name="Seconds">Wall time.</param>
/// <param name="CpuSeconds">Process CPU time.</param>
/// <param name="GcPauseMs">GC pause time.</param>
/// <param name="AllocatedBytes">Managed bytes allocated.</param>
/// <param name="Gen0">Gen-0 collections.</param>
/// <param name="Gen2">Gen-2 collections.</param>
/// <param name="FileBytes">Size of the database files afterwards.</param>
internal sealed record FloorTiming(double Seconds, double CpuSeconds, double GcPauseMs, long AllocatedBytes, int Gen0, int Gen2, long FileBytes);

/// <summary>The connector's DDL for one collection.</summary>
/// <param name="Table">The table name.</param>
/// <param name="Statements">CREATE statements (table, indexes, FTS5 table, triggers) with their sqlite_master type.</param>
/// <param name="Columns">The table's columns, in order.</param>
/// <param name="FtsTable">The FTS5 table, if the collection has one.</param>
/// <param name="FtsColumns">Its columns (named like the table's full-text columns).</param>
/// <param name="FtsByTriggers">
/// Whether triggers keep the FTS5 table in step (one FTS insert per row); otherwise the connector feeds it itself, and
/// the floor does what it does: one INSERT ... SELECT of the batch's rows per transaction.
/// </param>
internal sealed record ConnectorSchema(
    string Table,
    IReadOnlyList<(string Type, string Sql)> Statements,
    IReadOnlyList<string> Columns,
    string? FtsTable,
    IReadOnlyList<string> FtsColumns,
    bool FtsByTriggers);
