using System.Globalization;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Retrieval;
using KernelMemoryPlus.Storage;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    internal const string NamespacePrefix = "ns:";
    internal const string NamespaceMarker = "namespace";
    private const string SequenceKey = "seq";
    private const string ModelKey = "embedding.model";
    private const string DimensionsKey = "embedding.dimensions";
    private const int EmbedChunk = 256;

    private readonly Lock _idLock = new();
    private long _lastIdMs;
    private int _idCounter;

    private async ValueTask<State> GetStateAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (Volatile.Read(ref _state) is { } ready)
        {
            return ready;
        }

        await _initGate.WaitAsync(cancellationToken);
        try
        {
            if (_state is { } again)
            {
                return again;
            }

            var model = await EmbeddingModelInfo.DescribeAsync(_embedder, cancellationToken);
            var meta = _store.GetCollection<string, StoredMeta>(MetaCollection);
            await meta.EnsureCollectionExistsAsync(cancellationToken);
            var storedModel = await meta.GetAsync(ModelKey, cancellationToken: cancellationToken);
            var storedDimensions = await meta.GetAsync(DimensionsKey, cancellationToken: cancellationToken);
            if (storedModel is not null && storedDimensions is not null)
            {
                var stored = new EmbeddingModelInfo(storedModel.Value, int.Parse(storedDimensions.Value, CultureInfo.InvariantCulture));
                EmbeddingMismatchException.EnsureCompatible(stored, model, DescribeStore());
            }
            else
            {
                await meta.UpsertAsync(
                [
                    new StoredMeta { Key = ModelKey, Value = model.ModelId },
                    new StoredMeta { Key = DimensionsKey, Value = model.Dimensions.ToString(CultureInfo.InvariantCulture) },
                ], cancellationToken);
            }

            var memories = _store.GetCollection<string, StoredMemory>(_options.MemoriesCollection, StoredMemory.Definition(model.Dimensions));
            await memories.EnsureCollectionExistsAsync(cancellationToken);
            var links = _store.GetCollection<string, StoredLink>(LinksCollection);
            await links.EnsureCollectionExistsAsync(cancellationToken);
            var changes = _store.GetCollection<long, StoredChange>(ChangesCollection);
            await changes.EnsureCollectionExistsAsync(cancellationToken);
            var accessRows = _store.GetCollection<string, StoredAccess>(AccessCollection);
            await accessRows.EnsureCollectionExistsAsync(cancellationToken);
            var conflicts = _store.GetCollection<string, StoredConflict>(ConflictsCollection);
            await conflicts.EnsureCollectionExistsAsync(cancellationToken);
            var access = new List<StoredAccess>();
            await foreach (var row in accessRows.GetAsync(a => a.Kind == StoredAccess.KindNamespace || a.Kind == StoredAccess.KindGrant, int.MaxValue, cancellationToken: cancellationToken))
            {
                access.Add(row);
            }

            var sequence = await meta.GetAsync(SequenceKey, cancellationToken: cancellationToken);
            Interlocked.Exchange(ref _lastSequence, sequence is null ? 0 : long.Parse(sequence.Value, CultureInfo.InvariantCulture));

            var state = new State(model, memories, links, changes, meta, accessRows, conflicts, new AccessTable(access));
            Volatile.Write(ref _state, state);
            LogOpened(model.ModelId, model.Dimensions, _lastSequence);
            return state;
        }
        finally
        {
            _initGate.Release();
        }
    }

    private string DescribeStore() =>
        _store.GetService(typeof(VectorStoreMetadata)) is VectorStoreMetadata m
            ? $"the {m.VectorStoreSystemName} store{(m.VectorStoreName is null ? string.Empty : $" '{m.VectorStoreName}'")}"
            : "the memory store";

    private async Task<NamespaceIndex> GetIndexAsync(State state, string ns, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = _indexes.GetOrAdd(ns, n => new Lazy<Task<NamespaceIndex>>(() => LoadIndexAsync(state, n)));
            try
            {
                return await lazy.Value.WaitAsync(cancellationToken);
            }
            catch (Exception) when (lazy.Value.IsFaulted || lazy.Value.IsCanceled)
            {
                // A failed load must not poison the namespace: forget it so the next call retries.
                _indexes.TryRemove(new KeyValuePair<string, Lazy<Task<NamespaceIndex>>>(ns, lazy));
                throw;
            }
        }
    }

    private async Task<NamespaceIndex> LoadIndexAsync(State state, string ns)
    {
        var index = new NamespaceIndex(
            ns,
            state.Model.Dimensions,
            _options.ApproximateIndexThreshold,
            string.IsNullOrWhiteSpace(_options.VectorIndexDirectory) ? null : new VectorIndexPersistence(_options.VectorIndexDirectory, _logger, () => LastSequence));
        var missing = new List<MemoryRecord>();
        var loaded = new List<(MemoryRecord Record, ReadOnlyMemory<float> Vector)>();
        await foreach (var stored in state.Memories.GetAsync(m => m.Namespace == ns, int.MaxValue, new FilteredRecordRetrievalOptions<StoredMemory> { IncludeVectors = true }))
        {
            var record = RecordMapper.ToRecord(stored);
            if (stored.Embedding is { } vector && vector.Length == state.Model.Dimensions)
            {
                loaded.Add((record, vector));
            }
            else
            {
                missing.Add(record);
            }
        }

        // Records written without a vector (by another tool) are embedded now rather than left unsearchable.
        for (int start = 0; start < missing.Count; start += EmbedChunk)
        {
            var chunk = missing.Skip(start).Take(EmbedChunk).ToList();
            var generated = await _embedder.GenerateAsync(chunk.Select(NamespaceIndex.EmbeddingText));
            for (int i = 0; i < chunk.Count; i++)
            {
                EmbeddingMismatchException.EnsureDimensions(generated[i].Vector, state.Model);
                loaded.Add((chunk[i], generated[i].Vector));
            }
        }

        foreach (var (record, vector) in loaded)
        {
            index.Upsert(record, vector.Span);
        }

        await foreach (var link in state.Links.GetAsync(l => l.Namespace == ns || l.ToNamespace == ns, int.MaxValue))
        {
            index.UpsertLink(DecayLink(RecordMapper.ToLink(link)));
        }

        // A large namespace starts loading (when saved) or building its approximate vector graph now rather than on
        // its first query.
        index.WarmUp();
        LogLoaded(ns, index.Count);
        return index;
    }

    /// <summary>A memory in one of the loaded hot indexes, or null (not loaded, or no such memory).</summary>
    private (NamespaceIndex Index, MemoryRecord Record)? FindHot(string id)
    {
        foreach (var lazy in _indexes.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully && ReadLocked(lazy.Value.Result, i => i.Get(id)) is { } hot)
            {
                return (lazy.Value.Result, hot);
            }
        }

        return null;
    }

    private async Task<(NamespaceIndex Index, MemoryRecord Current)> FindAsync(State state, string id, CancellationToken cancellationToken)
    {
        // A memory in a loaded hot index is current there (the indexes follow every committed write), so the store
        // is read only for memories of namespaces not loaded yet.
        // What the caller may not read does not exist for it.
        if (FindHot(id) is { } hot)
        {
            return CanRead(state, hot.Record) ? hot : throw new MemoryNotFoundException(id);
        }

        var stored = await state.Memories.GetAsync(id, cancellationToken: cancellationToken) ?? throw new MemoryNotFoundException(id);
        var index = await GetIndexAsync(state, stored.Namespace, cancellationToken);
        var current = ReadLocked(index, i => i.Get(id)) ?? throw new MemoryNotFoundException(id);
        return CanRead(state, current) ? (index, current) : throw new MemoryNotFoundException(id);
    }

    /// <summary>
    /// Applies a change to the latest version of a memory under the write gate, so concurrent updates compose
    /// instead of overwriting each other (unless the caller asked for a version check).
    /// </summary>
    private async Task<MemoryRecord> ApplyUpdateAsync(
        State state,
        NamespaceIndex index,
        string id,
        long? expectedVersion,
        Func<MemoryRecord, MemoryRecord> change,
        ReadOnlyMemory<float>? newVector,
        Action<WriteBatch, MemoryRecord>? extra,
        CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var latest = ReadLocked(index, i => i.Get(id)) ?? throw new MemoryNotFoundException(id);
            CheckVersion(latest, expectedVersion);
            var next = change(latest) with { Version = latest.Version + 1, UpdatedAt = Now() };
            var vector = newVector ?? ReadLocked(index, i => i.Vectors.Get(i.SlotOf(id)!.Value).ToArray());
            var batch = new WriteBatch();
            batch.Upsert(next, vector, ChangeOperation.Updated);
            extra?.Invoke(batch, next);
            await CommitAsync(state, batch, cancellationToken);
            return next;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Commits a batch atomically, then applies it to the hot indexes and tells watchers. Write gate held.</summary>
    private async Task CommitAsync(State state, WriteBatch batch, CancellationToken cancellationToken)
    {
        var namespaces = batch.Namespaces().ToList();
        var indexes = new Dictionary<string, NamespaceIndex>(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            indexes[ns] = await GetIndexAsync(state, ns, cancellationToken);
        }

        var newNamespaces = new List<string>();
        foreach (var ns in namespaces)
        {
            if (!state.KnownNamespaces.ContainsKey(ns) && await state.Meta.GetAsync(NamespacePrefix + ns, cancellationToken: cancellationToken) is null)
            {
                newNamespaces.Add(ns);
            }
        }

        // Enforced here, where every write passes: no path around it.
        var claims = AuthorizeBatch(state, batch, indexes, newNamespaces);

        long sequence = LastSequence;
        var now = Now();
        var changes = new List<ChangeEvent>();
        foreach (var op in batch.Operations)
        {
            changes.Add(new ChangeEvent(++sequence, op.Namespace, op.Operation, op.EntityId, op.Version, now, op.Author) { Private = op.Private });
        }

        // The hot-index inputs (unit vectors, int8 codes, analyzed text) do not depend on the store: on a batch they
        // are computed on another core while this one writes the store. Nothing changes the indexes meanwhile: the
        // write gate is held, and readers only read.
        var prepared = batch.MemoryUpserts.Count >= ParallelPrepareThreshold
            ? Task.Run(() => PrepareIndexInputs(batch, indexes), CancellationToken.None)
            : null;
        try
        {
            await WriteStoreAsync(state, batch, changes, sequence, newNamespaces, claims, cancellationToken);
        }
        catch
        {
            if (prepared is not null)
            {
                await prepared.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            throw;
        }

        var inputs = prepared is null ? PrepareIndexInputs(batch, indexes, analyze: false) : await prepared;

        // Committed: from here on nothing may fail half-way.
        Interlocked.Exchange(ref _lastSequence, sequence);
        state.Access.Apply(claims);
        foreach (var ns in namespaces)
        {
            state.KnownNamespaces.TryAdd(ns, 0);
        }

        foreach (var group in indexes)
        {
            var index = group.Value;
            index.Lock.EnterWriteLock();
            try
            {
                index.Vectors.Reserve(batch.MemoryUpserts.Count);
                for (int i = 0; i < batch.MemoryUpserts.Count; i++)
                {
                    var record = batch.MemoryUpserts[i].Record;
                    if (record.Namespace == group.Key)
                    {
                        index.Upsert(record, inputs[i].Vector, inputs[i].Text);
                    }
                }

                foreach (var record in batch.MemoryDeletes.Where(r => r.Namespace == group.Key))
                {
                    index.Remove(record.Id);
                }

                foreach (var link in batch.LinkDeletes)
                {
                    index.RemoveLink(link.Id);
                }

                foreach (var link in batch.LinkUpserts.Where(l => l.Namespace == group.Key || l.ToNamespace == group.Key))
                {
                    index.UpsertLink(link);
                }
            }
            finally
            {
                index.Lock.ExitWriteLock();
            }
        }

        Publish(changes);
    }

    /// <summary>Batches at least this large prepare their hot-index inputs in parallel with the store write.</summary>
    private const int ParallelPrepareThreshold = 16;

    private static (PreparedVector Vector, AnalyzedText? Text)[] PrepareIndexInputs(WriteBatch batch, Dictionary<string, NamespaceIndex> indexes, bool analyze = true)
    {
        var inputs = new (PreparedVector, AnalyzedText?)[batch.MemoryUpserts.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var (record, vector) = batch.MemoryUpserts[i];
            inputs[i] = (FlatVectorIndex.Prepare(vector), analyze ? indexes[record.Namespace].Keywords.Analyze(NamespaceIndex.IndexText(record)) : null);
        }

        return inputs;
    }

    /// <summary>Writes a batch, its change-feed entries and the bookkeeping in one store transaction.</summary>
    private async Task WriteStoreAsync(State state, WriteBatch batch, List<ChangeEvent> changes, long sequence, List<string> newNamespaces, List<StoredAccess> claims, CancellationToken cancellationToken)
    {
        var transaction = _store is ITransactionalVectorStore transactional
            ? await transactional.BeginTransactionAsync(cancellationToken)
            : null;
        try
        {
            if (batch.MemoryUpserts.Count > 0)
            {
                await UpsertMemoriesAsync(state, batch.MemoryUpserts, cancellationToken);
            }

            if (batch.MemoryDeletes.Count > 0)
            {
                await state.Memories.DeleteAsync(batch.MemoryDeletes.Select(r => r.Id).ToList(), cancellationToken);
            }

            if (batch.LinkUpserts.Count > 0)
            {
                await state.Links.UpsertAsync(batch.LinkUpserts.Select(RecordMapper.ToStored).ToList(), cancellationToken);
            }

            if (batch.LinkDeletes.Count > 0)
            {
                await state.Links.DeleteAsync(batch.LinkDeletes.Select(l => l.Id).ToList(), cancellationToken);
            }

            var meta = new List<StoredMeta>(1 + newNamespaces.Count)
            {
                new() { Key = SequenceKey, Value = sequence.ToString(CultureInfo.InvariantCulture) },
            };
            meta.AddRange(newNamespaces.Select(ns => new StoredMeta { Key = NamespacePrefix + ns, Value = NamespaceMarker }));
            if (changes.Count > 0)
            {
                await state.Changes.UpsertAsync(changes.Select(RecordMapper.ToStored).ToList(), cancellationToken);
            }

            await state.Meta.UpsertAsync(meta, cancellationToken);
            if (claims.Count > 0)
            {
                await state.AccessRows.UpsertAsync(claims, cancellationToken);
            }

            if (batch.Conflicts.Count > 0)
            {
                await state.Conflicts.UpsertAsync(batch.Conflicts.Select(StoredConflict.From).ToList(), cancellationToken);
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

    /// <summary>Records per store call when a large batch is written in a pipeline.</summary>
    private const int StoreChunk = 256;

    /// <summary>
    /// Writes memories to the store. A large batch goes in chunks, each converted to its storage shape (sealed, with
    /// encryption at rest: one AES-GCM call per record) on another core while the previous chunk is written, so the
    /// sealing is off the write's critical path. All chunks are in the caller's transaction.
    /// </summary>
    private async Task UpsertMemoriesAsync(State state, List<(MemoryRecord Record, ReadOnlyMemory<float> Vector)> upserts, CancellationToken cancellationToken)
    {
        List<StoredMemory> Convert(int start)
        {
            int end = Math.Min(upserts.Count, start + StoreChunk);
            var stored = new List<StoredMemory>(end - start);
            for (int i = start; i < end; i++)
            {
                stored.Add(RecordMapper.ToStored(upserts[i].Record, upserts[i].Vector));
            }

            return stored;
        }

        if (upserts.Count < 2 * StoreChunk)
        {
            await state.Memories.UpsertAsync(upserts.Select(u => RecordMapper.ToStored(u.Record, u.Vector)).ToList(), cancellationToken);
            return;
        }

        var next = Task.Run(() => Convert(0), cancellationToken);
        try
        {
            for (int start = 0; start < upserts.Count; start += StoreChunk)
            {
                var current = await next;
                int following = start + StoreChunk;
                if (following < upserts.Count)
                {
                    next = Task.Run(() => Convert(following), cancellationToken);
                }

                await state.Memories.UpsertAsync(current, cancellationToken);
            }
        }
        finally
        {
            // A failed write leaves no conversion running behind it.
            await next.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private MemoryRecord Prepare(NewMemory m, string prefix, DateTimeOffset now, State state)
    {
        if (m is null)
        {
            throw new MemoryValidationException(prefix.TrimEnd('.'), "The item is null.");
        }

        if (prefix.Length == 0)
        {
            return PrepareCore(m, now, state);
        }

        // Field names get the item's prefix only when something is wrong, so a valid batch builds no names.
        try
        {
            return PrepareCore(m, now, state);
        }
        catch (MemoryValidationException ex)
        {
            throw new MemoryValidationException(prefix + ex.Field, ex.Message);
        }
    }

    private MemoryRecord PrepareCore(NewMemory m, DateTimeOffset now, State state)
    {
        const string prefix = "";
        if (!Enum.IsDefined(m.Kind))
        {
            throw new MemoryValidationException(prefix + "kind", $"Unknown memory kind '{(int)m.Kind}'; use Episodic, Semantic or Procedural.");
        }

        var validFrom = m.ValidFrom is { } vf ? RecordMapper.Truncate(vf) : (DateTimeOffset?)null;
        var validTo = m.ValidTo is { } vt ? RecordMapper.Truncate(vt) : (DateTimeOffset?)null;
        if (validFrom is not null && validTo is not null && validTo <= validFrom)
        {
            throw new MemoryValidationException(prefix + "validTo", "validTo must be after validFrom.");
        }

        if (m.Embedding is { } embedding)
        {
            if (m.EmbeddingModel is not null && !state.Model.IsCompatibleWith(new EmbeddingModelInfo(m.EmbeddingModel, embedding.Length)))
            {
                throw new EmbeddingMismatchException(
                    $"The given embedding came from the model '{m.EmbeddingModel}', but this store holds vectors of '{state.Model.ModelId}' ({state.Model.Dimensions} dimensions). Leave the embedding out to let the engine embed the content, or embed it with '{state.Model.ModelId}'.");
            }

            EmbeddingMismatchException.EnsureDimensions(embedding, state.Model);
        }

        return new MemoryRecord
        {
            Id = NewId(now),
            Namespace = InputValidator.Namespace(m.Namespace, prefix + "namespace"),
            Kind = m.Kind,
            Content = InputValidator.Content(m.Content, _options, prefix + "content"),
            Tags = InputValidator.Tags(m.Tags, _options, prefix + "tags"),
            Metadata = InputValidator.Metadata(m.Metadata, _options, prefix + "metadata"),
            Importance = InputValidator.Importance(m.Importance, prefix + "importance"),
            CreatedAt = now,
            UpdatedAt = now,
            OccurredAt = m.OccurredAt is { } occurred ? RecordMapper.Truncate(occurred) : now,
            ValidFrom = validFrom,
            ValidTo = validTo,
            Version = 1,
            // Behind a door the author is the authenticated principal, whatever the client said.
            Author = Caller() is { } principal ? principal.Id : InputValidator.ShortText(m.Author, prefix + "author"),
            EmbeddingModel = state.Model.ModelId,
            SessionId = InputValidator.ShortText(m.SessionId, prefix + "sessionId"),
            Subject = InputValidator.ShortText(m.Subject, prefix + "subject"),
            Predicate = m.Predicate is null ? null : NormalizePredicate(m.Predicate, prefix + "predicate"),
            Object = InputValidator.ShortText(m.Object, prefix + "object"),
            ProcedureName = InputValidator.ShortText(m.ProcedureName, prefix + "procedureName"),
            Steps = m.Steps is null ? [] : ValidateSteps(m.Steps, prefix + "steps"),
            Pinned = m.Pinned,
            Private = m.Private,
        };
    }

    /// <summary>
    /// A version 7 GUID ("N" format) whose 12-bit rand_a field is a per-millisecond counter (RFC 9562, method 1), so
    /// the ids this engine makes sort in creation order even within one millisecond or one batch: listing pages
    /// newest first by id, and "same time" ties in timelines keep insertion order.
    /// </summary>
    private string NewId(DateTimeOffset now)
    {
        long ms = now.ToUnixTimeMilliseconds();
        int counter;
        lock (_idLock)
        {
            if (ms > _lastIdMs)
            {
                _lastIdMs = ms;
                _idCounter = 0;
            }
            else if (_idCounter < 0xFFF)
            {
                _idCounter++;
            }
            else
            {
                // 4,096 ids in one millisecond: borrow the next millisecond rather than break the order.
                _lastIdMs++;
                _idCounter = 0;
            }

            ms = _lastIdMs;
            counter = _idCounter;
        }

        Span<byte> bytes = stackalloc byte[16];
        // Ids are identifiers, not secrets (access is checked, not guessed), so a fast non-cryptographic source will do.
        Random.Shared.NextBytes(bytes[8..]);
        for (int i = 0; i < 6; i++)
        {
            bytes[i] = (byte)(ms >> (8 * (5 - i)));
        }

        bytes[6] = (byte)(0x70 | (counter >> 8));
        bytes[7] = (byte)counter;
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true).ToString("N");
    }

    internal static string NormalizePredicate(string predicate, string field)
    {
        var text = InputValidator.ShortText(predicate, field, required: true)!;
        return string.Join('_', TextAnalyzerWords(text));
    }

    private static IEnumerable<string> TextAnalyzerWords(string text) => Retrieval.TextAnalyzer.Default.Tokenize(text);

    private IReadOnlyList<string> ValidateSteps(IReadOnlyList<string> steps, string field)
    {
        if (steps.Count > 200)
        {
            throw new MemoryValidationException(field, $"{steps.Count} steps given; at most 200 are allowed.");
        }

        var result = new List<string>(steps.Count);
        for (int i = 0; i < steps.Count; i++)
        {
            result.Add(InputValidator.Content(steps[i], _options, $"{field}[{i}]").Trim());
        }

        return result;
    }

    private async Task<ReadOnlyMemory<float>[]> EmbedRecordsAsync(State state, IReadOnlyList<NewMemory> inputs, MemoryRecord[] records, CancellationToken cancellationToken)
    {
        var vectors = new ReadOnlyMemory<float>[records.Length];
        var pending = new List<int>();
        for (int i = 0; i < records.Length; i++)
        {
            if (inputs[i].Embedding is { } given)
            {
                vectors[i] = given;
            }
            else
            {
                pending.Add(i);
            }
        }

        for (int start = 0; start < pending.Count; start += EmbedChunk)
        {
            var chunk = pending.Skip(start).Take(EmbedChunk).ToList();
            var generated = await _embedder.GenerateAsync(chunk.Select(i => NamespaceIndex.EmbeddingText(records[i])), cancellationToken: cancellationToken);
            for (int j = 0; j < chunk.Count; j++)
            {
                EmbeddingMismatchException.EnsureDimensions(generated[j].Vector, state.Model);
                vectors[chunk[j]] = generated[j].Vector;
            }
        }

        return vectors;
    }

    private async Task<ReadOnlyMemory<float>> EmbedAsync(State state, string text, CancellationToken cancellationToken)
    {
        var vector = await _embedder.GenerateVectorAsync(text, cancellationToken: cancellationToken);
        EmbeddingMismatchException.EnsureDimensions(vector, state.Model);
        return vector;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory store opened: embedding model {Model} ({Dimensions} dimensions), last change sequence {Sequence}")]
    private partial void LogOpened(string model, int dimensions, long sequence);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Loaded namespace {Namespace} into memory: {Count} memories")]
    private partial void LogLoaded(string @namespace, int count);

    private sealed class State(
        EmbeddingModelInfo model,
        VectorStoreCollection<string, StoredMemory> memories,
        VectorStoreCollection<string, StoredLink> links,
        VectorStoreCollection<long, StoredChange> changes,
        VectorStoreCollection<string, StoredMeta> meta,
        VectorStoreCollection<string, StoredAccess> accessRows,
        VectorStoreCollection<string, StoredConflict> conflicts,
        AccessTable access)
    {
        public EmbeddingModelInfo Model { get; } = model;

        public VectorStoreCollection<string, StoredMemory> Memories { get; } = memories;

        public VectorStoreCollection<string, StoredLink> Links { get; } = links;

        public VectorStoreCollection<long, StoredChange> Changes { get; } = changes;

        public VectorStoreCollection<string, StoredMeta> Meta { get; } = meta;

        public VectorStoreCollection<string, StoredAccess> AccessRows { get; } = accessRows;

        public VectorStoreCollection<string, StoredConflict> Conflicts { get; } = conflicts;

        /// <summary>Owners, namespace settings and grants, as committed.</summary>
        public AccessTable Access { get; } = access;

        public System.Collections.Concurrent.ConcurrentDictionary<string, byte> KnownNamespaces { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>The writes of one commit and the change-feed entries they produce.</summary>
    private sealed class WriteBatch
    {
        public List<(MemoryRecord Record, ReadOnlyMemory<float> Vector)> MemoryUpserts { get; } = [];

        public List<MemoryRecord> MemoryDeletes { get; } = [];

        public List<MemoryLink> LinkUpserts { get; } = [];

        public List<MemoryLink> LinkDeletes { get; } = [];

        public List<(string Namespace, ChangeOperation Operation, string EntityId, long Version, string? Author, bool Private)> Operations { get; } = [];

        /// <summary>Write conflicts resolved by this batch (recorded in the same transaction).</summary>
        public List<ConflictResolution> Conflicts { get; } = [];

        public void Upsert(MemoryRecord record, ReadOnlyMemory<float> vector, ChangeOperation operation)
        {
            MemoryUpserts.Add((record, vector));
            Operations.Add((record.Namespace, operation, record.Id, record.Version, record.Author, record.Private));
        }

        public void Delete(MemoryRecord record)
        {
            MemoryDeletes.Add(record);
            Operations.Add((record.Namespace, ChangeOperation.Deleted, record.Id, record.Version, record.Author, record.Private));
        }

        public void UpsertLink(MemoryLink link)
        {
            LinkUpserts.Add(link);
            Operations.Add((link.Namespace, ChangeOperation.Linked, link.Id, 0, link.Author, false));
        }

        public void DeleteLink(MemoryLink link)
        {
            LinkDeletes.Add(link);
            Operations.Add((link.Namespace, ChangeOperation.Unlinked, link.Id, 0, link.Author, false));
        }

        public IEnumerable<string> Namespaces() =>
            MemoryUpserts.Select(u => u.Record.Namespace)
                .Concat(MemoryDeletes.Select(r => r.Namespace))
                .Concat(LinkUpserts.SelectMany(l => new[] { l.Namespace, l.ToNamespace }))
                .Concat(LinkDeletes.SelectMany(l => new[] { l.Namespace, l.ToNamespace }))
                .Distinct(StringComparer.Ordinal);
    }
}
