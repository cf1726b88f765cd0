using KernelMemoryPlus.Storage.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// A collection of a <see cref="SqliteVectorStore"/>: one table (plus an FTS5 table for full-text properties).
/// </summary>
/// <remarks>
/// Split by role: this file holds the collection lifecycle and the shared plumbing; records (get, upsert, delete)
/// and search (vector and hybrid) are in the other parts.
/// </remarks>
internal sealed partial class SqliteCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, IKeywordHybridSearchable<TRecord>
    where TKey : notnull
    where TRecord : class
{
    private readonly SqliteVectorStore _store;
    private readonly SqliteRecordMapping _mapping;
    private readonly VectorStoreCollectionMetadata _metadata;
    private volatile SqliteCollectionSql? _sql;

    public SqliteCollection(SqliteVectorStore store, string name, RecordModel model)
    {
        _store = store;
        Name = name;
        if (!typeof(TRecord).IsAssignableFrom(model.RecordType))
        {
            throw new ArgumentException($"The record model is for '{model.RecordType.Name}', not '{typeof(TRecord).Name}'.");
        }

        var keyType = Nullable.GetUnderlyingType(model.Key.Type) ?? model.Key.Type;
        if (typeof(TKey) != typeof(object) && typeof(TKey) != keyType)
        {
            throw new NotSupportedException($"The collection '{name}' was requested with key type '{typeof(TKey).Name}', but the key property '{model.Key.Name}' of '{model.RecordType.Name}' is '{keyType.Name}'.");
        }

        _mapping = new SqliteRecordMapping(model);
        _metadata = new VectorStoreCollectionMetadata
        {
            VectorStoreSystemName = SqliteErrors.SystemName,
            VectorStoreName = store.StoreName,
            CollectionName = name,
        };
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override async Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        using var lease = await _store.Connections.AcquireAsync(write: false, cancellationToken);
        try
        {
            return _store.Catalog.Find(lease, Name) is not null;
        }
        catch (SqliteException ex)
        {
            throw Wrap(ex, "CollectionExists");
        }
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        // Usually the collection exists with every column: confirm that on a reader, without queueing behind the writer.
        if (await ReadAsync("EnsureCollectionExists", (lease, _) => _store.Catalog.Find(lease, Name) is { } found && IsComplete(found), cancellationToken, resolve: false))
        {
            return;
        }

        await WriteAsync("EnsureCollectionExists", schemaChange: true, lease =>
        {
            // Checked again under the write lock: another flow or process may have created it meanwhile.
            if (_store.Catalog.Find(lease, Name) is { } entry)
            {
                // A record that grew new data properties gets their columns (null in existing rows).
                if (MissingColumns(entry) is { Count: > 0 } missing)
                {
                    entry = SqliteCatalog.AddColumns(lease, entry, missing);
                }

                CheckShape(entry, "EnsureCollectionExists");
            }
            else
            {
                _store.Catalog.Create(lease, Name, _mapping);
            }

            return 0;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) =>
        _store.EnsureCollectionDeletedAsync(Name, cancellationToken);

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreCollectionMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>
    /// Refuses to open a collection whose stored shape the record cannot use (called when the collection object is
    /// created, so the mismatch shows where the collection is opened).
    /// </summary>
    internal void VerifyStoredShape()
    {
        using var lease = _store.Connections.Acquire(write: false);
        try
        {
            // Columns the record has and the table lacks are added by EnsureCollectionExistsAsync: not an error yet.
            if (_store.Catalog.Find(lease, Name) is { } entry && MissingColumns(entry).Count == 0)
            {
                Resolve(lease, "GetCollection");
            }
        }
        catch (SqliteException ex)
        {
            throw Wrap(ex, "GetCollection");
        }
    }

    /// <summary>The SQL of the collection's table, or null when the collection does not exist.</summary>
    /// <exception cref="VectorStoreException">The stored shape does not match the record.</exception>
    private SqliteCollectionSql? Resolve(SqliteLease lease, string operation)
    {
        var entry = _store.Catalog.Find(lease, Name);
        if (entry is null)
        {
            return null;
        }

        // Catalog ids are never reused (AUTOINCREMENT), so a known id means a table whose shape was already checked.
        var sql = _sql;
        if (sql is not null && sql.Entry.Id == entry.Id)
        {
            return sql;
        }

        CheckShape(entry, operation);
        sql = new SqliteCollectionSql(_mapping, entry);
        _sql = sql;
        return sql;
    }

    /// <summary>Data columns of the record the table lacks and that can be added (conflicts are left to <see cref="CheckShape"/>).</summary>
    private bool IsComplete(SqliteCatalogEntry entry)
    {
        var missing = new List<SqliteColumn>();
        return entry.Shape.FindConflicts(_mapping, missing).Count == 0 && missing.Count == 0;
    }

    private List<SqliteColumn> MissingColumns(SqliteCatalogEntry entry)
    {
        var missing = new List<SqliteColumn>();
        return entry.Shape.FindConflicts(_mapping, missing).Count == 0 ? missing : [];
    }

    private void CheckShape(SqliteCatalogEntry entry, string operation)
    {
        var conflicts = entry.Shape.FindConflicts(_mapping);
        if (conflicts.Count > 0)
        {
            throw SqliteErrors.Create(
                $"the collection exists with the shape [{entry.Shape.Describe()}], which does not match the requested record '{_mapping.Model.RecordType.Name}' [{_mapping.Describe()}]: {string.Join("; ", conflicts)}. Open it with a matching record definition, use another collection name, or delete the collection first.",
                _store.StoreName,
                Name,
                operation);
        }
    }

    private VectorStoreException MissingCollection(string operation) =>
        SqliteErrors.Create("the collection does not exist; call EnsureCollectionExistsAsync first.", _store.StoreName, Name, operation);

    private VectorStoreException Wrap(Exception exception, string operation) =>
        SqliteErrors.Wrap(exception, _store.StoreName, Name, operation);

    /// <summary>Runs a read on a reader connection (or the flow's transaction) in one snapshot.</summary>
    private async Task<T> ReadAsync<T>(string operation, Func<SqliteLease, SqliteCollectionSql?, T> body, CancellationToken cancellationToken, bool resolve = true)
    {
        for (int attempt = 0; ; attempt++)
        {
            using var lease = await _store.Connections.AcquireAsync(write: false, cancellationToken);
            try
            {
                lease.BeginRead();
                return body(lease, resolve ? Resolve(lease, operation) : null);
            }
            catch (SqliteException ex) when (attempt == 0 && !lease.IsAmbient && IsMissingTable(ex))
            {
                // The table was dropped after the catalog entry was cached (by this store an instant ago, or by
                // another process): forget the cache and look again.
                _store.Catalog.Invalidate();
            }
            catch (SqliteException ex)
            {
                throw Wrap(ex, operation);
            }
        }
    }

    private static bool IsMissingTable(SqliteException exception) =>
        exception.SqliteErrorCode == 1 && exception.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Runs a write atomically: in its own transaction on the writer connection, or in a savepoint of the flow's
    /// transaction. Any failure undoes all of it.
    /// </summary>
    private async Task<T> WriteAsync<T>(string operation, bool schemaChange, Func<SqliteLease, T> body, CancellationToken cancellationToken)
    {
        T result;
        bool ambient;
        using (var lease = await _store.Connections.AcquireAsync(write: true, cancellationToken))
        {
            ambient = lease.IsAmbient;
            if (schemaChange && ambient)
            {
                lease.Transaction?.MarkSchemaChanged();
            }

            try
            {
                lease.BeginWrite();
                try
                {
                    result = body(lease);
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
                throw Wrap(ex, operation);
            }
            catch (Exception ex) when (ex is InvalidCastException or FormatException or OverflowException)
            {
                throw Wrap(ex, operation);
            }
        }

        if (schemaChange && !ambient)
        {
            // Inside a transaction the catalog is invalidated when the transaction ends.
            _store.Catalog.Invalidate();
        }

        return result;
    }
}
