namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// A transaction of an <see cref="InMemoryVectorStore"/>: a private overlay of the collections it writes, applied to
/// the shared data in one step on commit and dropped on rollback.
/// </summary>
internal sealed class InMemoryTransaction : IVectorStoreTransaction
{
    private const int Waiting = 0;
    private const int Active = 1;
    private const int Completed = 2;

    private readonly InMemoryDatabase _database;
    private readonly Dictionary<string, PendingTable> _tables = new(StringComparer.Ordinal);
    private int _state;

    public InMemoryTransaction(InMemoryDatabase database)
    {
        _database = database;
    }

    /// <summary>True while the transaction holds the writer gate and has been neither committed nor disposed.</summary>
    public bool IsActive => Volatile.Read(ref _state) == Active;

    /// <summary>True once the transaction was committed, rolled back, or gave up waiting for the gate.</summary>
    public bool IsCompleted => Volatile.Read(ref _state) == Completed;

    /// <summary>The collections written in the transaction; only read or changed under the database lock.</summary>
    public IReadOnlyCollection<PendingTable> Tables => _tables.Values;

    public PendingTable? Find(string name) => _tables.GetValueOrDefault(name);

    public PendingTable Add(PendingTable table)
    {
        _tables[table.Name] = table;
        return table;
    }

    public void Activate() => Volatile.Write(ref _state, Active);

    /// <summary>Marks a transaction that never obtained the gate as over, so the flow can begin another.</summary>
    public void Abandon() => Volatile.Write(ref _state, Completed);

    /// <summary>Moves the transaction from active to completed; false when it was not active. Call under the database lock.</summary>
    public bool TryComplete() => Interlocked.CompareExchange(ref _state, Completed, Active) == Active;

    public void ClearPending() => _tables.Clear();

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _database.Commit(this);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _database.Rollback(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The transaction's view of one collection: whether it exists, and the rows written or deleted.</summary>
internal sealed class PendingTable
{
    public PendingTable(string name, bool exists, bool replacesBase, CollectionShape? shape)
    {
        Name = name;
        Exists = exists;
        ReplacesBase = replacesBase;
        Shape = shape;
    }

    public string Name { get; }

    /// <summary>Whether the collection exists as the transaction sees it.</summary>
    public bool Exists { get; set; }

    /// <summary>True when the committed rows are invisible (the collection was deleted, and perhaps recreated, in the transaction).</summary>
    public bool ReplacesBase { get; set; }

    public CollectionShape? Shape { get; set; }

    /// <summary>Rows by key; a null value is a deletion.</summary>
    public Dictionary<object, StoredRow?> Rows { get; } = [];
}
