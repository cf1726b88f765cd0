using System.Collections.Concurrent;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus;

/// <summary>
/// The memory engine: stores, changes, links and recalls memories of every kind in any
/// <see cref="VectorStore"/>, keeps a hot index per namespace and a change feed with sequence numbers.
/// The typed facades (<see cref="EpisodicMemory"/>, <see cref="SemanticMemory"/>, <see cref="ProceduralMemory"/>,
/// <see cref="AssociativeMemory"/>) build on it.
/// </summary>
/// <remarks>
/// Thread safety: every member may be called concurrently. Writes are serialized through one gate and committed
/// in one store transaction each (when the store implements <see cref="ITransactionalVectorStore"/>), so a write is
/// all-or-nothing and change sequence numbers are gap-free and monotonic. Reads run in parallel with each other and
/// with writes.
/// Security: contents are logged only at Trace level.
/// </remarks>
public sealed partial class MemoryEngine : IAsyncDisposable
{
    internal const string MetaCollection = "kmp_meta";
    internal const string LinksCollection = "kmp_links";
    internal const string ChangesCollection = "kmp_changes";

    private readonly VectorStore _store;
    private readonly IEmbeddingGenerator<string, Embedding<float>> _embedder;
    private readonly KernelMemoryPlusOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _initGate = new(1, 1);
    private readonly ConcurrentDictionary<string, Lazy<Task<NamespaceIndex>>> _indexes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _dirtyAccess = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _dirtyLinks = new(StringComparer.Ordinal);
    private readonly ITimer? _flushTimer;
    private State? _state;
    private long _lastSequence;
    private int _disposed;

    /// <summary>Creates the engine over a store and an embedding generator.</summary>
    /// <param name="store">Where memories, links and the change feed are kept.</param>
    /// <param name="embedder">Turns text into vectors.</param>
    /// <param name="options">Engine settings.</param>
    /// <param name="timeProvider">The clock (tests pass a fake one).</param>
    /// <param name="logger">Logger; memory contents are logged at Trace level only.</param>
    public MemoryEngine(
        VectorStore store,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        IOptions<KernelMemoryPlusOptions>? options = null,
        TimeProvider? timeProvider = null,
        ILogger<MemoryEngine>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(embedder);
        _store = store;
        _embedder = embedder;
        _options = options?.Value ?? new KernelMemoryPlusOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        RecordMapper = RecordMapper.ForEngine(_options, store, _logger); // encryption at rest: the keys, from the settings and the store
        _flushTimer = _time.CreateTimer(static s => ((MemoryEngine)s!).OnFlushTimer(), this, _options.AccessFlushInterval, _options.AccessFlushInterval);
    }

    /// <summary>The engine's settings.</summary>
    public KernelMemoryPlusOptions Options => _options;

    /// <summary>The store the engine writes to.</summary>
    public VectorStore Store => _store;

    /// <summary>Maps records to their stored shape and back, sealing contents and metadata (encryption at rest).</summary>
    private RecordMapper RecordMapper { get; }

    /// <summary>The last sequence number written to the change feed (0 when nothing was written yet).</summary>
    public long LastSequence => Interlocked.Read(ref _lastSequence);

    /// <summary>
    /// Opens the store: checks the embedding model against the one the data was written with, creates the
    /// collections and reads the last sequence number. Called on first use; call it at start-up to fail fast.
    /// </summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="EmbeddingMismatchException">The store holds vectors of another model or dimension.</exception>
    public async Task InitializeAsync(CancellationToken cancellationToken = default) => await GetStateAsync(cancellationToken);

    /// <summary>The embedding model and dimensions the engine uses.</summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<EmbeddingModelInfo> GetEmbeddingModelAsync(CancellationToken cancellationToken = default) =>
        (await GetStateAsync(cancellationToken)).Model;

    /// <summary>Stores one memory.</summary>
    /// <param name="memory">What to store.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored memory, with its id and version 1.</returns>
    /// <exception cref="MemoryValidationException">The input is invalid; the field is named.</exception>
    public async Task<MemoryRecord> RememberAsync(NewMemory memory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var stored = await RememberCoreAsync([memory], isBatch: false, null, cancellationToken);
        return stored[0]!;
    }

    /// <summary>Stores several memories in one transaction: all of them or none.</summary>
    /// <param name="memories">What to store (at most <see cref="KernelMemoryPlusOptions.MaxBatchSize"/>).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored memories, in input order.</returns>
    /// <exception cref="MemoryValidationException">An item is invalid; the field is named as "items[i].field".</exception>
    public async Task<IReadOnlyList<MemoryRecord>> RememberManyAsync(IReadOnlyList<NewMemory> memories, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memories);
        return (await RememberCoreAsync(memories, isBatch: true, null, cancellationToken))!;
    }

    /// <summary>
    /// Stores memories in one transaction, skipping those <paramref name="exists"/> finds already stored (checked
    /// against the hot index under the write gate, so concurrent callers do not store the same thing twice).
    /// </summary>
    /// <returns>The stored memories in input order, null where one was skipped.</returns>
    internal Task<MemoryRecord?[]> RememberUniqueAsync(IReadOnlyList<NewMemory> memories, Func<NamespaceIndex, MemoryRecord, bool> exists, CancellationToken cancellationToken) =>
        RememberCoreAsync(memories, isBatch: true, exists, cancellationToken);

    private async Task<MemoryRecord?[]> RememberCoreAsync(IReadOnlyList<NewMemory> memories, bool isBatch, Func<NamespaceIndex, MemoryRecord, bool>? exists, CancellationToken cancellationToken)
    {
        if (memories.Count == 0)
        {
            return [];
        }

        if (memories.Count > _options.MaxBatchSize)
        {
            throw new MemoryValidationException("items", $"{memories.Count} items given; a batch holds at most {_options.MaxBatchSize} (setting MaxBatchSize).");
        }

        var state = await GetStateAsync(cancellationToken);
        var now = Now();
        var records = new MemoryRecord?[memories.Count];
        for (int i = 0; i < memories.Count; i++)
        {
            try
            {
                records[i] = Prepare(memories[i], string.Empty, now, state);
            }
            catch (MemoryValidationException ex) when (isBatch)
            {
                // The item's name is built only when it is wrong.
                throw new MemoryValidationException(ex.Field.Length == 0 ? $"items[{i}]" : $"items[{i}].{ex.Field}", ex.Message);
            }
        }

        var vectors = await EmbedRecordsAsync(state, memories, records!, cancellationToken);

        int stored = 0;
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var batch = new WriteBatch();
            for (int i = 0; i < records.Length; i++)
            {
                if (exists is not null)
                {
                    var index = await GetIndexAsync(state, records[i]!.Namespace, cancellationToken);
                    var record = records[i]!;
                    if (ReadLocked(index, x => exists(x, record)))
                    {
                        records[i] = null;
                        continue;
                    }
                }

                batch.Upsert(records[i]!, vectors[i], ChangeOperation.Created);
                stored++;
            }

            if (stored > 0)
            {
                await CommitAsync(state, batch, cancellationToken);
            }
        }
        finally
        {
            _writeGate.Release();
        }

        LogStored(stored);
        return records;
    }

    /// <summary>Reads a memory by id.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The memory, or null when there is none with that id.</returns>
    public async Task<MemoryRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(id);
        var state = await GetStateAsync(cancellationToken);

        // The hot copy is current (and carries access statistics not yet flushed to the store); the store is read
        // only for memories of namespaces that are not loaded.
        if (FindHot(id) is { } hot)
        {
            return CanRead(state, hot.Record) ? hot.Record : null;
        }

        var stored = await state.Memories.GetAsync(id, cancellationToken: cancellationToken);
        if (stored is null)
        {
            return null;
        }

        var record = RecordMapper.ToRecord(stored);
        return CanRead(state, record) ? record : null;
    }

    /// <summary>Reads a memory by id, or throws.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="MemoryNotFoundException">No memory has that id.</exception>
    public async Task<MemoryRecord> GetRequiredAsync(string id, CancellationToken cancellationToken = default) =>
        await GetAsync(id, cancellationToken) ?? throw new MemoryNotFoundException(id);

    /// <summary>Changes a memory. Re-embeds it when the content changes.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="update">The changes; null members stay as they are.</param>
    /// <param name="expectedVersion">The version the change is based on; null skips the check (last writer wins).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The memory after the change, with its version increased by one.</returns>
    /// <exception cref="MemoryNotFoundException">No memory has that id.</exception>
    /// <exception cref="VersionConflictException">The memory is no longer at <paramref name="expectedVersion"/>.</exception>
    public async Task<MemoryRecord> UpdateAsync(string id, MemoryUpdate update, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(id);
        ArgumentNullException.ThrowIfNull(update);
        var validated = ValidateUpdate(update, string.Empty);

        var state = await GetStateAsync(cancellationToken);
        while (true)
        {
            var (index, current) = await FindAsync(state, id, cancellationToken);
            EnsureCanWrite(state, current);
            var (conflict, change) = await ResolveUpdateConflictAsync(state, current, validated, expectedVersion, cancellationToken);
            var next = ApplyUpdate(current, change, string.Empty);

            ReadOnlyMemory<float>? newVector = null;
            if (NamespaceIndex.EmbeddingText(next) != NamespaceIndex.EmbeddingText(current))
            {
                newVector = await EmbedAsync(state, NamespaceIndex.EmbeddingText(next), cancellationToken);
            }

            try
            {
                // Applied only on top of the version it was computed from: a change committed in between by someone
                // else would otherwise be overwritten with the fields read before it (a lost update).
                Action<WriteBatch, MemoryRecord>? record = conflict is null ? null : (batch, written) => batch.Conflicts.Add(conflict with { ResultVersion = written.Version });
                return await ApplyUpdateAsync(state, index, id, current.Version, latest => ApplyUpdate(latest, change, string.Empty), newVector, record, cancellationToken);
            }
            catch (VersionConflictException)
            {
                // Someone committed in between: look again. Without an expected version the change is redone on top
                // of the newer version; with one, the namespace's policy decides (and records) what happens now.
            }
        }
    }

    /// <summary>Deletes a memory and its links. The change feed keeps a tombstone.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="expectedVersion">The version the delete is based on; null skips the check.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>True when a memory was deleted; false when none had that id.</returns>
    /// <exception cref="VersionConflictException">The memory is no longer at <paramref name="expectedVersion"/>.</exception>
    public async Task<bool> ForgetAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(id);
        var state = await GetStateAsync(cancellationToken);
        var stored = await state.Memories.GetAsync(id, cancellationToken: cancellationToken);
        if (stored is null)
        {
            return false;
        }

        var index = await GetIndexAsync(state, stored.Namespace, cancellationToken);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var current = ReadLocked(index, i => i.Get(id));
            if (current is null || !CanRead(state, current))
            {
                return false;
            }

            EnsureCanWrite(state, current);
            var batch = new WriteBatch();
            if (await ResolveConflictAsync(state, current, expectedVersion, isDelete: true, cancellationToken) is { } conflict)
            {
                batch.Conflicts.Add(conflict);
            }

            batch.Delete(current);
            foreach (var link in ReadLocked(index, i => i.LinksOf(id, LinkDirection.Both).ToList()))
            {
                batch.DeleteLink(link);
            }

            await CommitAsync(state, batch, cancellationToken);
            _dirtyAccess.TryRemove(id, out _);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Lists memories of a namespace, newest first, with cursor paging.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="filter">Conditions; by default only memories valid now.</param>
    /// <param name="cursor">The cursor of the previous page, or null for the first page.</param>
    /// <param name="limit">Page size.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="MemoryValidationException">A bad namespace, filter, cursor or limit.</exception>
    public async Task<MemoryPage> ListAsync(string ns, MemoryFilter? filter = null, string? cursor = null, int limit = 50, CancellationToken cancellationToken = default)
    {
        InputValidator.Namespace(ns);
        InputValidator.Filter(filter, _options);
        InputValidator.Limit(limit, _options);
        string? after = cursor is null ? null : Cursor.Decode(cursor);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var index = await GetIndexAsync(state, ns, cancellationToken);
        var predicate = FilterEvaluator.Create(filter, Now());
        var page = ReadLocked(index, i => i.Records
            .Where(r => predicate(r) && scope.Sees(r) && (after is null || string.CompareOrdinal(r.Id, after) < 0))
            .OrderByDescending(r => r.Id, StringComparer.Ordinal)
            .Take(limit + 1)
            .ToList());
        string? next = page.Count > limit ? Cursor.Encode(page[limit - 1].Id) : null;
        if (page.Count > limit)
        {
            page.RemoveAt(limit);
        }

        return new MemoryPage(page, next);
    }

    /// <summary>The namespaces that hold or held memories.</summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<string>> ListNamespacesAsync(CancellationToken cancellationToken = default)
    {
        var state = await GetStateAsync(cancellationToken);
        var names = new List<string>();
        await foreach (var m in state.Meta.GetAsync(m => m.Value == NamespaceMarker, int.MaxValue, cancellationToken: cancellationToken))
        {
            names.Add(m.Key[NamespacePrefix.Length..]);
        }

        if (Caller() is { IsAdmin: false } principal)
        {
            // Only the namespaces the caller owns or was given something in.
            var now = Now();
            names.RemoveAll(n => ScopeOf(state, principal, n, now) is null);
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Counts of what a namespace holds, and the engine's status.</summary>
    /// <param name="ns">The namespace, or null for the whole store.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<MemoryStats> GetStatsAsync(string? ns = null, CancellationToken cancellationToken = default)
    {
        var state = await GetStateAsync(cancellationToken);
        var namespaces = ns is null ? await ListNamespacesAsync(cancellationToken) : [InputValidator.Namespace(ns)];
        var byKind = new Dictionary<MemoryKind, int>();
        int total = 0, links = 0, expired = 0;
        var now = Now();
        foreach (var name in namespaces)
        {
            var scope = await ReadScopeAsync(state, name, cancellationToken);
            var index = await GetIndexAsync(state, name, cancellationToken);
            ReadLocked(index, i =>
            {
                foreach (var r in i.Records)
                {
                    if (!scope.Sees(r))
                    {
                        continue;
                    }

                    total++;
                    byKind[r.Kind] = byKind.GetValueOrDefault(r.Kind) + 1;
                    if (!r.IsValidAt(now))
                    {
                        expired++;
                    }
                }

                links += i.Links.Count(l => l.Namespace == name);
                return 0;
            });
        }

        return new MemoryStats
        {
            Namespaces = namespaces.Count,
            Memories = total,
            ByKind = byKind,
            Links = links,
            NoLongerValid = expired,
            LastSequence = LastSequence,
            EmbeddingModel = state.Model.ModelId,
            Dimensions = state.Model.Dimensions,
            Store = _store.GetService(typeof(VectorStoreMetadata)) is VectorStoreMetadata meta ? meta.VectorStoreSystemName ?? "unknown" : "unknown",
        };
    }

    /// <summary>Writes pending access statistics to the store now.</summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if ((_dirtyAccess.IsEmpty && _dirtyLinks.IsEmpty) || _state is not { } state)
        {
            return;
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var batch = new List<StoredMemory>();
            foreach (var (id, ns) in _dirtyAccess.ToArray())
            {
                _dirtyAccess.TryRemove(id, out _);
                if (_indexes.TryGetValue(ns, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                {
                    var index = lazy.Value.Result;
                    var stored = ReadLocked(index, i => i.Get(id) is { } r && i.SlotOf(id) is int slot
                        ? RecordMapper.ToStored(r, i.Vectors.Get(slot).ToArray())
                        : null);
                    if (stored is not null)
                    {
                        batch.Add(stored);
                    }
                }
            }

            var links = new List<StoredLink>();
            foreach (var (id, ns) in _dirtyLinks.ToArray())
            {
                _dirtyLinks.TryRemove(id, out _);
                if (_indexes.TryGetValue(ns, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully
                    && ReadLocked(lazy.Value.Result, i => i.GetLink(id)) is { } link)
                {
                    links.Add(RecordMapper.ToStored(link));
                }
            }

            var transaction = _store is ITransactionalVectorStore transactional && batch.Count > 0 && links.Count > 0
                ? await transactional.BeginTransactionAsync(cancellationToken)
                : null;
            try
            {
                if (batch.Count > 0)
                {
                    await state.Memories.UpsertAsync(batch, cancellationToken);
                }

                if (links.Count > 0)
                {
                    await state.Links.UpsertAsync(links, cancellationToken);
                }

                if (transaction is not null)
                {
                    await transaction.CommitAsync(cancellationToken);
                }
            }
            finally
            {
                if (transaction is not null)
                {
                    await transaction.DisposeAsync();
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Writes pending access statistics, then compacts the store's files when the store can (SQLite: merges the
    /// full-text index segments, vacuums, and truncates the write-ahead log). Engine writes wait meanwhile.
    /// </summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>True when the store compacted its files; false for stores without files to compact.</returns>
    public async Task<bool> CompactAsync(CancellationToken cancellationToken = default)
    {
        EnsureAdministrator("compact the store");
        await FlushAsync(cancellationToken);
        if (_store is not Storage.Sqlite.SqliteVectorStore sqlite)
        {
            return false;
        }

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await sqlite.CompactAsync(cancellationToken);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Drops the hot index of a namespace; it is reloaded from the store on next use.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task UnloadNamespaceAsync(string ns, CancellationToken cancellationToken = default)
    {
        InputValidator.Namespace(ns);
        EnsureAdministrator("unload a namespace");
        await FlushAsync(cancellationToken);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            if (_indexes.TryRemove(ns, out var lazy))
            {
                DisposeIndex(lazy);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Releases a dropped hot index (its native vector graph) once no reader holds it.</summary>
    private static void DisposeIndex(Lazy<Task<NamespaceIndex>> lazy)
    {
        if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
        {
            var index = lazy.Value.Result;
            index.Lock.EnterWriteLock();
            try
            {
                index.Dispose();
            }
            finally
            {
                index.Lock.ExitWriteLock();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_flushTimer is not null)
        {
            await _flushTimer.DisposeAsync();
        }

        try
        {
            await FlushAsync();
        }
        catch (Exception ex) when (ex is VectorStoreException or ObjectDisposedException or InvalidOperationException)
        {
            LogFlushFailed(ex);
        }

        CompleteWatchers();
        foreach (var ns in _indexes.Keys.ToList())
        {
            if (_indexes.TryRemove(ns, out var lazy))
            {
                DisposeIndex(lazy);
            }
        }
    }

    internal DateTimeOffset Now() => RecordMapper.Truncate(_time.GetUtcNow());

    internal TimeProvider Time => _time;

    private void OnFlushTimer()
    {
        if ((_dirtyAccess.IsEmpty && _dirtyLinks.IsEmpty) || Volatile.Read(ref _disposed) != 0)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await FlushAsync();
            }
            catch (Exception ex)
            {
                LogFlushFailed(ex);
            }
        });
    }

    private static void CheckVersion(MemoryRecord current, long? expectedVersion)
    {
        if (expectedVersion is long expected && expected != current.Version)
        {
            throw new VersionConflictException(current.Id, expected, current.Version);
        }
    }

    private static T ReadLocked<T>(NamespaceIndex index, Func<NamespaceIndex, T> read)
    {
        index.Lock.EnterReadLock();
        try
        {
            return read(index);
        }
        finally
        {
            index.Lock.ExitReadLock();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {Count} memories")]
    private partial void LogStored(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing access statistics failed; they will be retried")]
    private partial void LogFlushFailed(Exception exception);
}
