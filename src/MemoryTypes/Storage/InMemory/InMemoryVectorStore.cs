using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using KernelMemoryPlus.Storage.Internal;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// A Microsoft.Extensions.VectorData store that keeps its collections in process memory: for tests, small agents and
/// as a reference for the behaviour the project's connectors share. Data lives as long as the store instance.
/// </summary>
/// <remarks>
/// <para>Thread-safe: any number of threads may read and write concurrently. Writes (upserts, deletes, creating and
/// deleting collections) are serialized by a writer gate shared by every collection of the store; reads never wait for
/// it.</para>
/// <para>Transactions (<see cref="BeginTransactionAsync"/>) are ambient for the asynchronous flow that begins them and
/// hold the writer gate until they end, so writers in other flows wait. Isolation: the transaction's writes (including
/// creating or deleting collections) are buffered in a private overlay that only its own flow reads; other flows keep
/// reading the committed data, without waiting, until <see cref="IVectorStoreTransaction.CommitAsync"/> applies the
/// whole overlay in one step. Disposing a transaction without committing discards the overlay, so nothing of it was
/// ever visible. Transactions do not nest.</para>
/// </remarks>
public sealed class InMemoryVectorStore : VectorStore, ITransactionalVectorStore
{
    private readonly InMemoryDatabase _database = new();
    private readonly InMemoryVectorStoreOptions _options;
    private readonly ConcurrentDictionary<Type, RecordModel> _attributeModels = new();

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">Options; null for the defaults (no embedding generator).</param>
    public InMemoryVectorStore(InMemoryVectorStoreOptions? options = null)
    {
        _options = options ?? new InMemoryVectorStoreOptions();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The record type or definition is not a supported record shape.</exception>
    /// <exception cref="VectorStoreException">The collection exists with a shape the record type cannot use.</exception>
    /// <exception cref="NotSupportedException"><typeparamref name="TKey"/> does not match the key property, or a distance function is not supported.</exception>
    public override VectorStoreCollection<TKey, TRecord> GetCollection<TKey, TRecord>(string name, VectorStoreCollectionDefinition? definition = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var model = definition is null
            ? _attributeModels.GetOrAdd(typeof(TRecord), type => RecordModel.Build(type, null, _options.EmbeddingGenerator))
            : RecordModel.Build(typeof(TRecord), definition, _options.EmbeddingGenerator);
        return new InMemoryCollection<TKey, TRecord>(_database, name, model);
    }

    /// <inheritdoc />
    public override VectorStoreCollection<object, Dictionary<string, object?>> GetDynamicCollection(string name, VectorStoreCollectionDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return GetCollection<object, Dictionary<string, object?>>(name, definition);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<string> ListCollectionNamesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var name in _database.ListNames())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_database.Exists(name));
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.EnsureDeleted(scope, name);
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">A transaction of this store is already open in the current flow.</exception>
    public ValueTask<IVectorStoreTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default) =>
        _database.BeginTransactionAsync(cancellationToken);

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreMetadata))
        {
            return new VectorStoreMetadata { VectorStoreSystemName = InMemoryDatabase.SystemName };
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _database.Dispose();
        }

        base.Dispose(disposing);
    }
}
