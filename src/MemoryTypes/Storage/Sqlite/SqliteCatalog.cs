using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The <c>kmp_collections</c> catalog: which collections exist, their tables and stored shapes. Lookups outside
/// transactions are cached; every schema change bumps <see cref="Generation"/>, which empties the cache and makes
/// connections drop their prepared commands.
/// </summary>
internal sealed class SqliteCatalog
{
    public const string TableName = "kmp_collections";

    private readonly ConcurrentDictionary<string, SqliteCatalogEntry> _cache = new(StringComparer.Ordinal);
    private readonly Lock _sync = new();
    private long _generation;

    /// <summary>Bumped on every schema change; see <see cref="SqliteConnectionContext.SyncSchema"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Forgets every cached entry. Called after a schema change commits or a transaction ends.</summary>
    public void Invalidate()
    {
        lock (_sync)
        {
            Interlocked.Increment(ref _generation);
            _cache.Clear();
        }
    }

    /// <summary>The catalog entry of <paramref name="name"/>, or null when the collection does not exist.</summary>
    public SqliteCatalogEntry? Find(SqliteLease lease, string name)
    {
        // Inside an ambient transaction that changed the schema the catalog holds uncommitted changes, which must not
        // leak into the cache (or be read from it). One that did not sees the committed catalog: it holds the write
        // lock, so nothing else can change it meanwhile.
        bool cacheable = !lease.IsAmbient || lease.Transaction is { SchemaChanged: false };
        if (cacheable && _cache.TryGetValue(name, out var cached))
        {
            return cached;
        }

        long generation = Generation;
        var command = lease.Context.Command($"SELECT id, table_name, fts_table_name, definition FROM {TableName} WHERE name = @name");
        command.Parameters.Clear();
        command.Parameters.AddWithValue("@name", name);
        SqliteCatalogEntry? entry = null;
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                entry = new SqliteCatalogEntry(
                    reader.GetInt64(0),
                    name,
                    reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    SqliteStoredShape.FromJson(reader.GetString(3)));
            }
        }

        if (entry is not null && cacheable)
        {
            lock (_sync)
            {
                // A schema change that committed while this lookup ran may have made the entry stale.
                if (generation == _generation)
                {
                    _cache[name] = entry;
                }
            }
        }

        return entry;
    }

    public List<string> ListNames(SqliteLease lease)
    {
        var command = lease.Context.Command($"SELECT name FROM {TableName} ORDER BY name");
        command.Parameters.Clear();
        var names = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>Creates the catalog row, the table, its indexes, FTS5 table and triggers. The caller holds a write transaction.</summary>
    public SqliteCatalogEntry Create(SqliteLease lease, string name, SqliteRecordMapping mapping)
    {
        var shape = SqliteStoredShape.FromMapping(mapping);
        var context = lease.Context;
        long id;
        using (var insert = context.Connection.CreateCommand())
        {
            insert.CommandText = $"INSERT INTO {TableName} (name, table_name, definition, created_utc) VALUES (@name, @table, @definition, @created) RETURNING id";
            insert.Parameters.AddWithValue("@name", name);
            insert.Parameters.AddWithValue("@table", "pending:" + Guid.NewGuid().ToString("N"));
            insert.Parameters.AddWithValue("@definition", shape.ToJson());
            insert.Parameters.AddWithValue("@created", DateTimeOffset.UtcNow.ToString("O"));
            id = Convert.ToInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        var table = $"kmp_c{id}_{SqliteSql.Sanitize(name)}";
        string? fts = mapping.Data.Any(c => c.Property.IsFullTextIndexed) ? table + "_fts" : null;
        using (var update = context.Connection.CreateCommand())
        {
            update.CommandText = $"UPDATE {TableName} SET table_name = @table, fts_table_name = @fts WHERE id = @id";
            update.Parameters.AddWithValue("@table", table);
            update.Parameters.AddWithValue("@fts", (object?)fts ?? DBNull.Value);
            update.Parameters.AddWithValue("@id", id);
            update.ExecuteNonQuery();
        }

        foreach (var statement in SqliteCollectionSql.CreateStatements(mapping, table, fts))
        {
            context.ExecuteOnce(statement);
        }

        return new SqliteCatalogEntry(id, name, table, fts, shape);
    }

    /// <summary>
    /// Adds data columns a newer record shape has and the table lacks (nullable, so existing rows read as null), with
    /// their indexes, and records them in the catalog. The caller holds a write transaction.
    /// </summary>
    public static SqliteCatalogEntry AddColumns(SqliteLease lease, SqliteCatalogEntry entry, IReadOnlyList<SqliteColumn> columns)
    {
        var context = lease.Context;
        var table = SqliteSql.Quote(entry.Table);
        var shape = SqliteStoredShape.FromJson(entry.Shape.ToJson()); // the cached entry stays as committed
        foreach (var column in columns)
        {
            context.ExecuteOnce($"ALTER TABLE {table} ADD COLUMN {column.QuotedName} {column.SqlType}");
            if (column.QuotedCompanionName is not null)
            {
                context.ExecuteOnce($"ALTER TABLE {table} ADD COLUMN {column.QuotedCompanionName} INTEGER");
            }

            if (column.Property.IsIndexed && column.Kind is not (SqliteColumnKind.Json or SqliteColumnKind.Blob))
            {
                context.ExecuteOnce($"CREATE INDEX IF NOT EXISTS {SqliteSql.Quote($"{entry.Table}_ix_{SqliteSql.Sanitize(column.Name)}")} ON {table} ({column.QuotedName})");
            }

            shape.AddData(column);
        }

        using var update = context.Connection.CreateCommand();
        update.CommandText = $"UPDATE {TableName} SET definition = @definition WHERE id = @id";
        update.Parameters.AddWithValue("@definition", shape.ToJson());
        update.Parameters.AddWithValue("@id", entry.Id);
        update.ExecuteNonQuery();
        return entry with { Shape = shape };
    }

    /// <summary>Drops the collection's tables (triggers and indexes go with them) and its catalog row.</summary>
    public static void Drop(SqliteLease lease, SqliteCatalogEntry entry)
    {
        var context = lease.Context;
        if (entry.FtsTable is not null)
        {
            context.ExecuteOnce($"DROP TABLE IF EXISTS {SqliteSql.Quote(entry.FtsTable)}");
        }

        context.ExecuteOnce($"DROP TABLE IF EXISTS {SqliteSql.Quote(entry.Table)}");
        using var delete = context.Connection.CreateCommand();
        delete.CommandText = $"DELETE FROM {TableName} WHERE id = @id";
        delete.Parameters.Add(new SqliteParameter("@id", entry.Id));
        delete.ExecuteNonQuery();
    }
}
