using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// The shared state of one <see cref="InMemoryVectorStore"/>: its collections, the lock that guards them, the writer
/// gate and the ambient transaction.
/// </summary>
/// <remarks>
/// <para>Concurrency: every read or change of the tables happens under one short lock; no lock is held across an
/// await. Rows are immutable (<see cref="StoredRow"/>), so a reader takes a snapshot of row references under the lock
/// and filters, scores and copies them after releasing it.</para>
/// <para>Writers first pass the writer gate (a <see cref="SemaphoreSlim"/> of one), so that an open transaction, which
/// holds the gate from begin to end, keeps every other writer waiting. Writers inside the transaction's flow skip the
/// gate. Readers never wait for the gate.</para>
/// </remarks>
internal sealed class InMemoryDatabase : IDisposable
{
    /// <summary>The <c>VectorStoreSystemName</c> reported in metadata and exceptions.</summary>
    public const string SystemName = "kmp-inmemory";

    private readonly object _sync = new();
    private readonly SemaphoreSlim _writerGate = new(1, 1);
    private readonly AsyncLocal<InMemoryTransaction?> _ambient = new();
    private readonly Dictionary<string, InMemoryTable> _tables = new(StringComparer.Ordinal);

    /// <summary>The active transaction of the current asynchronous flow, if any.</summary>
    public InMemoryTransaction? CurrentTransaction => _ambient.Value is { IsActive: true } tx ? tx : null;

    /// <summary>Begins a transaction; see <see cref="ITransactionalVectorStore.BeginTransactionAsync"/>.</summary>
    /// <remarks>
    /// Deliberately not an <c>async</c> method: an <see cref="AsyncLocal{T}"/> set inside an async method reverts
    /// when it returns, while one set here, before the first await, stays in the caller's flow.
    /// </remarks>
    public ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken)
    {
        if (_ambient.Value is { IsCompleted: false })
        {
            throw new InvalidOperationException("A transaction of this store is already open in the current asynchronous flow; transactions do not nest. Commit or dispose it first.");
        }

        var transaction = new InMemoryTransaction(this);
        _ambient.Value = transaction;
        return AcquireGateAsync(transaction, cancellationToken);
    }

    /// <summary>Waits for the right to write, unless the current flow's transaction already has it.</summary>
    public async ValueTask<WriteScope> EnterWriteAsync(CancellationToken cancellationToken)
    {
        if (CurrentTransaction is { } transaction)
        {
            return new WriteScope(null, transaction);
        }

        await _writerGate.WaitAsync(cancellationToken);
        return new WriteScope(_writerGate, null);
    }

    public bool Exists(string name)
    {
        lock (_sync)
        {
            return Resolve(name, CurrentTransaction).Exists;
        }
    }

    public List<string> ListNames()
    {
        lock (_sync)
        {
            var transaction = CurrentTransaction;
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var table in _tables.Values)
            {
                if (transaction?.Find(table.Name) is not { Exists: false })
                {
                    names.Add(table.Name);
                }
            }

            if (transaction is not null)
            {
                foreach (var pending in transaction.Tables)
                {
                    if (pending.Exists)
                    {
                        names.Add(pending.Name);
                    }
                }
            }

            return [.. names];
        }
    }

    /// <summary>Throws when the collection exists with a shape that <paramref name="shape"/> cannot use.</summary>
    /// <exception cref="VectorStoreException">The shapes conflict.</exception>
    public void CheckShape(string name, CollectionShape shape)
    {
        lock (_sync)
        {
            EnsureCompatible(name, Resolve(name, CurrentTransaction).Shape, shape, "GetCollection");
        }
    }

    /// <summary>One row by key as the current flow sees it; null when it or the collection does not exist.</summary>
    public StoredRow? GetRow(string name, CollectionShape shape, object key)
    {
        lock (_sync)
        {
            var view = Resolve(name, CurrentTransaction);
            EnsureCompatible(name, view.Shape, shape, "Get");
            return FindRow(view, key);
        }
    }

    /// <summary>Several rows by key, in the order of the keys, skipping missing ones.</summary>
    public List<StoredRow> GetRows(string name, CollectionShape shape, IEnumerable<object> keys)
    {
        var rows = new List<StoredRow>();
        lock (_sync)
        {
            foreach (var key in keys)
            {
                if (GetRow(name, shape, key) is { } row)
                {
                    rows.Add(row);
                }
            }
        }

        return rows;
    }

    /// <summary>All rows as the current flow sees them, in insertion order; empty when the collection does not exist.</summary>
    public List<StoredRow> Snapshot(string name, CollectionShape shape)
    {
        lock (_sync)
        {
            var view = Resolve(name, CurrentTransaction);
            EnsureCompatible(name, view.Shape, shape, "Get");
            if (!view.Exists)
            {
                return [];
            }

            if (view.Pending is not { } pending)
            {
                return [.. view.Table!.Rows.Values];
            }

            var rows = new List<StoredRow>();
            var table = pending.ReplacesBase ? null : view.Table;
            if (table is not null)
            {
                foreach (var row in table.Rows.Values)
                {
                    if (!pending.Rows.TryGetValue(row.Key, out var written))
                    {
                        rows.Add(row);
                    }
                    else if (written is not null)
                    {
                        rows.Add(written);
                    }
                }
            }

            foreach (var (key, written) in pending.Rows)
            {
                if (written is not null && (table is null || !table.Rows.ContainsKey(key)))
                {
                    rows.Add(written);
                }
            }

            return rows;
        }
    }

    /// <summary>Creates the collection if it does not exist. The caller holds a <see cref="WriteScope"/>.</summary>
    public void EnsureExists(WriteScope scope, string name, CollectionShape shape)
    {
        lock (_sync)
        {
            var transaction = CheckScope(scope);
            var view = Resolve(name, transaction);
            if (view.Exists)
            {
                EnsureCompatible(name, view.Shape, shape, "EnsureCollectionExists");
                return;
            }

            if (transaction is null)
            {
                _tables[name] = new InMemoryTable(name, shape);
            }
            else if (view.Pending is { } pending)
            {
                pending.Exists = true;
                pending.Shape = shape;
                pending.Rows.Clear();
            }
            else
            {
                transaction.Add(new PendingTable(name, exists: true, replacesBase: true, shape));
            }
        }
    }

    /// <summary>Deletes the collection and its rows if it exists. The caller holds a <see cref="WriteScope"/>.</summary>
    public void EnsureDeleted(WriteScope scope, string name)
    {
        lock (_sync)
        {
            var transaction = CheckScope(scope);
            var view = Resolve(name, transaction);
            if (!view.Exists)
            {
                return;
            }

            if (transaction is null)
            {
                _tables.Remove(name);
            }
            else if (view.Pending is { } pending)
            {
                pending.Exists = false;
                pending.ReplacesBase = true;
                pending.Shape = null;
                pending.Rows.Clear();
            }
            else
            {
                transaction.Add(new PendingTable(view.Table!.Name, exists: false, replacesBase: true, shape: null));
            }
        }
    }

    /// <summary>Inserts or replaces rows. The caller holds a <see cref="WriteScope"/>.</summary>
    /// <exception cref="VectorStoreException">The collection does not exist.</exception>
    public void Upsert(WriteScope scope, string name, CollectionShape shape, IReadOnlyList<StoredRow> rows)
    {
        lock (_sync)
        {
            var transaction = CheckScope(scope);
            var view = Resolve(name, transaction);
            if (!view.Exists)
            {
                throw new VectorStoreException($"Upsert failed on collection '{name}': the collection does not exist; call EnsureCollectionExistsAsync first.")
                {
                    VectorStoreSystemName = SystemName,
                    CollectionName = name,
                    OperationName = "Upsert",
                };
            }

            EnsureCompatible(name, view.Shape, shape, "Upsert");

            // A record that leaves stored columns out must not erase them.
            bool partial = shape.ColumnCount < view.Shape!.ColumnCount;
            if (transaction is null)
            {
                foreach (var row in rows)
                {
                    view.Table!.Rows[row.Key] = partial && FindRow(view, row.Key) is { } existing ? row.MergeOnto(existing) : row;
                }

                return;
            }

            var pending = view.Pending ?? transaction.Add(new PendingTable(view.Table!.Name, exists: true, replacesBase: false, view.Table.Shape));
            view = view with { Pending = pending };
            foreach (var row in rows)
            {
                pending.Rows[row.Key] = partial && FindRow(view, row.Key) is { } existing ? row.MergeOnto(existing) : row;
            }
        }
    }

    /// <summary>Deletes rows by key; missing keys and a missing collection are ignored. The caller holds a <see cref="WriteScope"/>.</summary>
    public void Delete(WriteScope scope, string name, CollectionShape shape, IReadOnlyList<object> keys)
    {
        lock (_sync)
        {
            var transaction = CheckScope(scope);
            var view = Resolve(name, transaction);
            if (!view.Exists)
            {
                return;
            }

            EnsureCompatible(name, view.Shape, shape, "Delete");
            if (transaction is null)
            {
                foreach (var key in keys)
                {
                    view.Table!.Rows.Remove(key);
                }

                return;
            }

            var pending = view.Pending ?? transaction.Add(new PendingTable(view.Table!.Name, exists: true, replacesBase: false, view.Table.Shape));
            foreach (var key in keys)
            {
                pending.Rows[key] = null;
            }
        }
    }

    /// <summary>Applies a transaction's overlay to the shared tables in one step, then opens the gate.</summary>
    public void Commit(InMemoryTransaction transaction)
    {
        lock (_sync)
        {
            if (!transaction.TryComplete())
            {
                throw new InvalidOperationException("The transaction is no longer open; it was already committed or disposed.");
            }

            foreach (var pending in transaction.Tables)
            {
                if (pending.ReplacesBase)
                {
                    _tables.Remove(pending.Name);
                }

                if (!pending.Exists)
                {
                    continue;
                }

                if (!_tables.TryGetValue(pending.Name, out var table))
                {
                    table = new InMemoryTable(pending.Name, pending.Shape!);
                    _tables[pending.Name] = table;
                }

                foreach (var (key, row) in pending.Rows)
                {
                    if (row is null)
                    {
                        table.Rows.Remove(key);
                    }
                    else
                    {
                        table.Rows[key] = row;
                    }
                }
            }

            transaction.ClearPending();
        }

        _writerGate.Release();
    }

    /// <summary>Drops the overlay of a transaction that is still open and opens the gate; a no-op after commit.</summary>
    public void Rollback(InMemoryTransaction transaction)
    {
        lock (_sync)
        {
            if (!transaction.TryComplete())
            {
                return;
            }

            transaction.ClearPending();
        }

        _writerGate.Release();
    }

    public void Dispose() => _writerGate.Dispose();

    private static void EnsureCompatible(string name, CollectionShape? existing, CollectionShape requested, string operation)
    {
        if (existing is null)
        {
            return;
        }

        var conflicts = existing.FindConflicts(requested);
        if (conflicts.Count > 0)
        {
            throw new VectorStoreException(
                $"{operation} failed on collection '{name}': the collection exists with the shape [{existing}] (created for {existing.RecordTypeName}), "
                + $"which does not match the requested record '{requested.RecordTypeName}' [{requested}]: {string.Join("; ", conflicts)}. "
                + "Open it with a matching record definition, use another collection name, or delete the collection first.")
            {
                VectorStoreSystemName = SystemName,
                CollectionName = name,
                OperationName = operation,
            };
        }
    }

    /// <summary>One row of a collection as a view sees it; null when missing.</summary>
    private static StoredRow? FindRow(TableView view, object key)
    {
        if (!view.Exists)
        {
            return null;
        }

        if (view.Pending is { } pending)
        {
            if (pending.Rows.TryGetValue(key, out var written))
            {
                return written;
            }

            if (pending.ReplacesBase)
            {
                return null;
            }
        }

        return view.Table?.Rows.GetValueOrDefault(key);
    }

    private static InMemoryTransaction? CheckScope(WriteScope scope)
    {
        if (scope.Transaction is { IsActive: false })
        {
            throw new InvalidOperationException("The transaction this write belongs to has already been committed or disposed.");
        }

        return scope.Transaction;
    }

    private async ValueTask<IVectorStoreTransaction> AcquireGateAsync(InMemoryTransaction transaction, CancellationToken cancellationToken)
    {
        try
        {
            await _writerGate.WaitAsync(cancellationToken);
        }
        catch
        {
            transaction.Abandon();
            throw;
        }

        transaction.Activate();
        return transaction;
    }

    private TableView Resolve(string name, InMemoryTransaction? transaction)
    {
        var table = _tables.GetValueOrDefault(name);
        var pending = transaction?.Find(name);
        return new TableView(table, pending);
    }

    /// <summary>A collection as one flow sees it: the committed table, overlaid by its transaction's changes.</summary>
    private readonly record struct TableView(InMemoryTable? Table, PendingTable? Pending)
    {
        public bool Exists => Pending?.Exists ?? Table is not null;

        public CollectionShape? Shape => Pending is { } pending ? pending.Shape : Table?.Shape;
    }
}

/// <summary>A committed collection: its shape and rows by normalized key.</summary>
internal sealed class InMemoryTable
{
    public InMemoryTable(string name, CollectionShape shape)
    {
        Name = name;
        Shape = shape;
    }

    public string Name { get; }

    public CollectionShape Shape { get; }

    public Dictionary<object, StoredRow> Rows { get; } = [];
}

/// <summary>The right to write: either the writer gate (released on dispose) or membership of the flow's transaction.</summary>
internal readonly struct WriteScope : IDisposable
{
    private readonly SemaphoreSlim? _gate;

    public WriteScope(SemaphoreSlim? gate, InMemoryTransaction? transaction)
    {
        _gate = gate;
        Transaction = transaction;
    }

    public InMemoryTransaction? Transaction { get; }

    public void Dispose() => _gate?.Release();
}
