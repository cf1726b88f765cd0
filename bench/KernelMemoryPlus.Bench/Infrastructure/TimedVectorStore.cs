using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using KernelMemoryPlus.Storage;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>
/// A pass-through <see cref="VectorStore"/> that times every call the engine makes into the real store, per collection
/// and operation, so a run can split the engine path into "time in the store" and "time in the engine" using only
/// public APIs. Transactions are passed through (the engine sees an <see cref="ITransactionalVectorStore"/> exactly
/// when the inner store is one).
/// </summary>
/// <remarks>The caller keeps ownership of the inner store (disposing the wrapper does not dispose it). Timing a call costs two timestamps; the engine makes a handful of store calls per batch, so the overhead is negligible.</remarks>
internal sealed class TimedVectorStore : VectorStore, ITransactionalVectorStore
{
    private readonly VectorStore _inner;
    private readonly ConcurrentDictionary<string, StoreCallStats> _stats = new(StringComparer.Ordinal);

    /// <summary>Wraps a store.</summary>
    /// <param name="inner">The real store.</param>
    public TimedVectorStore(VectorStore inner)
    {
        _inner = inner;
    }

    /// <summary>Accumulated time per "collection.operation" (and "store.transaction").</summary>
    public IReadOnlyDictionary<string, StoreCallStats> Stats => _stats;

    /// <summary>Forgets the accumulated timings.</summary>
    public void Reset() => _stats.Clear();

    /// <summary>Total milliseconds spent in the store.</summary>
    public double TotalMs => _stats.Values.Sum(s => s.Milliseconds);

    /// <inheritdoc />
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null) =>
        new TimedCollection<TKey, TRecord>(this, _inner.GetCollection<TKey, TRecord>(name, definition));

    /// <inheritdoc />
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition) =>
        new TimedCollection<object, Dictionary<string, object?>>(this, _inner.GetDynamicCollection(name, definition));

    /// <inheritdoc />
    public override IAsyncEnumerable<string> ListCollectionNamesAsync(CancellationToken cancellationToken = default) =>
        _inner.ListCollectionNamesAsync(cancellationToken);

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default) =>
        _inner.CollectionExistsAsync(name, cancellationToken);

    /// <inheritdoc />
    public override Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default) =>
        _inner.EnsureCollectionDeletedAsync(name, cancellationToken);

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null) => _inner.GetService(serviceType, serviceKey);

    /// <inheritdoc />
    /// <remarks>
    /// Not an async method on purpose: the inner store makes its transaction ambient through an AsyncLocal, and a
    /// value set inside an async method does not flow back to the caller. The same holds for commit and dispose.
    /// </remarks>
    public ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        if (_inner is not ITransactionalVectorStore transactional)
        {
            throw new NotSupportedException("The wrapped store does not support transactions.");
        }

        long start = Stopwatch.GetTimestamp();
        var pending = transactional.BeginTransactionAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            Record("store.begin", start);
            return ValueTask.FromResult<IVectorStoreTransaction>(new TimedTransaction(this, pending.Result));
        }

        return Slow(pending, start);

        async ValueTask<IVectorStoreTransaction> Slow(ValueTask<IVectorStoreTransaction> task, long t0)
        {
            var transaction = await task;
            Record("store.begin", t0);
            return new TimedTransaction(this, transaction);
        }
    }

    /// <summary>Times a call that was already started (synchronously, in the caller's flow).</summary>
    private ValueTask Timed(string key, ValueTask pending, long start)
    {
        if (pending.IsCompletedSuccessfully)
        {
            Record(key, start);
            return ValueTask.CompletedTask;
        }

        return Slow(pending);

        async ValueTask Slow(ValueTask task)
        {
            await task;
            Record(key, start);
        }
    }

    private void Record(string key, long start, int items = 0)
    {
        var stats = _stats.GetOrAdd(key, static _ => new StoreCallStats());
        stats.Add(Stopwatch.GetTimestamp() - start, items);
    }

    private sealed class TimedTransaction(TimedVectorStore owner, IVectorStoreTransaction inner) : IVectorStoreTransaction
    {
        public ValueTask CommitAsync(CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            return owner.Timed("store.commit", inner.CommitAsync(cancellationToken), start);
        }

        public ValueTask DisposeAsync()
        {
            long start = Stopwatch.GetTimestamp();
            return owner.Timed("store.endTransaction", inner.DisposeAsync(), start);
        }
    }

    private sealed class TimedCollection<TKey, TRecord>(TimedVectorStore owner, VectorStoreCollection<TKey, TRecord> inner) : VectorStoreCollection<TKey, TRecord>
        where TKey : notnull
        where TRecord : class
    {
        public override string Name => inner.Name;

        public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default) => inner.CollectionExistsAsync(cancellationToken);

        public override Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionExistsAsync(cancellationToken);

        public override Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default) => inner.EnsureCollectionDeletedAsync(cancellationToken);

        public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            var result = await inner.GetAsync(key, options, cancellationToken);
            owner.Record($"{Name}.get", start, 1);
            return result;
        }

        public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            var all = new List<TRecord>();
            await foreach (var record in inner.GetAsync(keys, options, cancellationToken))
            {
                all.Add(record);
            }

            owner.Record($"{Name}.getMany", start, all.Count);
            foreach (var record in all)
            {
                yield return record;
            }
        }

        public override async IAsyncEnumerable<TRecord> GetAsync(Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            var all = new List<TRecord>();
            await foreach (var record in inner.GetAsync(filter, top, options, cancellationToken))
            {
                all.Add(record);
            }

            owner.Record($"{Name}.getFiltered", start, all.Count);
            foreach (var record in all)
            {
                yield return record;
            }
        }

        public override async Task DeleteAsync(TKey key, CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            await inner.DeleteAsync(key, cancellationToken);
            owner.Record($"{Name}.delete", start, 1);
        }

        public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
        {
            var list = keys as IReadOnlyCollection<TKey> ?? keys.ToList();
            long start = Stopwatch.GetTimestamp();
            await inner.DeleteAsync(list, cancellationToken);
            owner.Record($"{Name}.delete", start, list.Count);
        }

        public override async Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
        {
            long start = Stopwatch.GetTimestamp();
            await inner.UpsertAsync(record, cancellationToken);
            owner.Record($"{Name}.upsert", start, 1);
        }

        public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
        {
            var list = records as IReadOnlyCollection<TRecord> ?? records.ToList();
            long start = Stopwatch.GetTimestamp();
            await inner.UpsertAsync(list, cancellationToken);
            owner.Record($"{Name}.upsert", start, list.Count);
        }

        public override IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default) =>
            inner.SearchAsync(searchValue, top, options, cancellationToken);

        public override object? GetService(Type serviceType, object? serviceKey = null) => inner.GetService(serviceType, serviceKey);
    }
}

/// <summary>Accumulated calls and time of one store operation.</summary>
internal sealed class StoreCallStats
{
    private long _ticks;
    private long _calls;
    private long _items;

    /// <summary>Number of calls.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    /// <summary>Records passed or returned.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Total wall time, in milliseconds.</summary>
    public double Milliseconds => Interlocked.Read(ref _ticks) * 1000.0 / Stopwatch.Frequency;

    /// <summary>Adds one call.</summary>
    /// <param name="ticks">Its duration in <see cref="Stopwatch"/> ticks.</param>
    /// <param name="items">Records it carried.</param>
    public void Add(long ticks, int items)
    {
        Interlocked.Add(ref _ticks, ticks);
        Interlocked.Increment(ref _calls);
        Interlocked.Add(ref _items, items);
    }
}
