using KernelMemoryPlus.Retrieval;
using Microsoft.Extensions.Logging;

namespace KernelMemoryPlus.Internal;

/// <summary>
/// The hot, in-memory index of one namespace: its records, their vectors (exact scan), the BM25/fuzzy keyword index
/// and the link graph. It is the unit of placement: loaded from the durable store on first use, kept in step with
/// every committed write, and droppable at any time (the store stays the source of truth).
/// </summary>
/// <remarks>
/// Thread safety: readers take <see cref="Lock"/> in read mode; the engine applies committed writes in write mode.
/// Access statistics are updated under the read lock with interlocked-free last-writer-wins semantics, which is fine
/// for counters that only feed ranking.
/// </remarks>
internal sealed partial class NamespaceIndex : IDisposable
{
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly List<Entry?> _bySlot = [];
    [ThreadStatic]
    private static System.Text.StringBuilder? t_indexText;

    private readonly Dictionary<string, MemoryLink> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _linksByMemory = new(StringComparer.Ordinal);

    // Records by normalized subject (facts, entities): the semantic facade's lookups by name read one bucket instead
    // of scanning the namespace.
    private readonly Dictionary<string, HashSet<Entry>> _bySubject = new(StringComparer.Ordinal);

    // Validity per slot in Unix milliseconds, kept beside the vectors so the default "valid now" filter of a scan
    // reads two contiguous arrays instead of chasing one record object per slot.
    private long[] _validFrom = new long[256];
    private long[] _validTo = new long[256];

    // Persistence of the approximate vector graph (null: not persisted). Saves run one at a time under _saveGate,
    // which is only ever taken while holding Lock (read or write) or after releasing it, never before taking it.
    private readonly VectorGraphFiles? _graphFiles;
    private readonly VectorIndexPersistence? _persistence;
    private readonly object _saveGate = new();
    private int _saveQueued;
    private long _lastSaveMs = Environment.TickCount64;
    private volatile bool _disposed;

    /// <summary>Creates an empty index.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="dimensions">Vector dimensions.</param>
    /// <param name="approximateThreshold">Vectors from which the HNSW graph is used (see <see cref="FlatVectorIndex"/>).</param>
    /// <param name="persistence">Where the graph is saved and loaded from, or null to keep it in memory only.</param>
    public NamespaceIndex(string ns, int dimensions, int approximateThreshold = FlatVectorIndex.DefaultApproximateThreshold, VectorIndexPersistence? persistence = null)
    {
        Namespace = ns;
        Vectors = new FlatVectorIndex(dimensions, approximateThreshold: approximateThreshold);
        if (persistence is not null)
        {
            _persistence = persistence;
            _graphFiles = new VectorGraphFiles(persistence.Directory, ns);
            Vectors.GraphReady = OnGraphReady;
        }
    }

    public string Namespace { get; }

    public ReaderWriterLockSlim Lock { get; } = new(LockRecursionPolicy.NoRecursion);

    public FlatVectorIndex Vectors { get; }

    public Bm25Index Keywords { get; } = new();

    /// <summary>Substring search over the text of facts and entities (records with a subject).</summary>
    public SubstringIndex SubjectTexts { get; } = new();

    public int Count => _byId.Count;

    /// <summary>
    /// Changes whenever a memory with a session is added, changed (through <see cref="Upsert(MemoryRecord, PreparedVector, AnalyzedText?)"/>)
    /// or removed: what the conversational context of recall depends on.
    /// </summary>
    public long SessionVersion { get; private set; }

    /// <summary>How many memories have a session id.</summary>
    public int SessionRecords { get; private set; }

    public long MaxAccessCount { get; private set; }

    public IEnumerable<MemoryRecord> Records => _byId.Values.Select(e => e.Record);

    public IEnumerable<MemoryLink> Links => _links.Values;

    /// <summary>
    /// Saves the vector graph if it changed since it was last saved (when persisted), then releases it (write lock
    /// held by the caller). A failed save is logged, never thrown.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_graphFiles is not null)
        {
            if (Vectors.GraphChanges > 0)
            {
                SaveGraph(lockHeld: true);
            }
            else
            {
                // A background save may still be committing its files (outside the lock): let it finish.
                lock (_saveGate)
                {
                }
            }
        }

        Vectors.Dispose();
    }

    /// <summary>
    /// Starts loading the saved vector graph (when persisted and one was saved) or building it, in the background, if
    /// the namespace is large enough: for an index just loaded from the store, so its first queries do not wait.
    /// </summary>
    public void WarmUp()
    {
        if (_graphFiles is { } files)
        {
            Vectors.WarmUp(() => files.Open(Vectors.Dimensions));
        }
        else
        {
            Vectors.WarmUp();
        }
    }

    /// <summary>Saves the vector graph now if it changed since the last save (tests, benchmarks); false when nothing was saved.</summary>
    internal bool SaveVectorGraph() => _graphFiles is not null && !_disposed && SaveGraph(lockHeld: false);

    /// <summary>A background graph build or load finished: install it, report it, and save it unless it is the saved one.</summary>
    private void OnGraphReady()
    {
        GraphOutcome? outcome;
        Lock.EnterReadLock();
        try
        {
            if (_disposed)
            {
                return;
            }

            Vectors.InstallPendingGraph();
            outcome = Vectors.LastGraphOutcome;
        }
        finally
        {
            Lock.ExitReadLock();
        }

        if (outcome is null || _persistence is not { } persistence)
        {
            return;
        }

        if (outcome.Source == GraphSource.Loaded)
        {
            LogGraphLoaded(persistence.Logger, Namespace, outcome.Elapsed.TotalMilliseconds, outcome.SavedSequence ?? 0, outcome.Kept, outcome.Moved, outcome.Removed, outcome.Added, outcome.Replayed);
        }
        else if (outcome.Rejected is { } reason)
        {
            LogGraphRejected(persistence.Logger, Namespace, reason, outcome.Elapsed.TotalSeconds);
        }
        else
        {
            LogGraphBuilt(persistence.Logger, Namespace, Vectors.Count, outcome.Elapsed.TotalSeconds);
        }

        if (Vectors.GraphChanges > 0)
        {
            QueueSave();
        }
    }

    /// <summary>After a vector write (write lock held): queue a save once enough changed, or some changed long enough ago.</summary>
    private void AfterVectorWrite()
    {
        if (_graphFiles is null)
        {
            return;
        }

        long changes = Vectors.GraphChanges;
        if (changes > 0 && (changes >= Math.Max(1024, Vectors.Count / 8) || Environment.TickCount64 - Volatile.Read(ref _lastSaveMs) > SaveInterval.TotalMilliseconds))
        {
            QueueSave();
        }
    }

    /// <summary>How long graph changes may stay unsaved while writes go on.</summary>
    internal static readonly TimeSpan SaveInterval = TimeSpan.FromMinutes(10);

    private void QueueSave()
    {
        if (Interlocked.Exchange(ref _saveQueued, 1) != 0)
        {
            return;
        }

        _ = Task.Run(() =>
        {
            try
            {
                SaveGraph(lockHeld: false);
            }
            finally
            {
                Volatile.Write(ref _saveQueued, 0);
            }
        });
    }

    /// <summary>
    /// Writes the graph under the lock (the caller's write lock, or a read lock taken here), then commits the files
    /// outside it. Returns true when a graph was saved.
    /// </summary>
    private bool SaveGraph(bool lockHeld)
    {
        var files = _graphFiles!;
        var persistence = _persistence!;
        PendingGraph? pending = null;
        long sequence = 0;
        bool readLocked = false;
        try
        {
            if (!lockHeld)
            {
                Lock.EnterReadLock();
                readLocked = true;
                if (_disposed)
                {
                    return false;
                }
            }

            lock (_saveGate)
            {
                try
                {
                    if (Vectors.GraphChanges == 0)
                    {
                        return false;
                    }

                    sequence = persistence.Sequence();
                    pending = files.Write(Vectors);
                }
                finally
                {
                    if (readLocked)
                    {
                        Lock.ExitReadLock();
                        readLocked = false;
                    }
                }

                if (pending is null)
                {
                    return false;
                }

                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                long bytes = files.Commit(pending, Vectors.Dimensions, sequence);
                Volatile.Write(ref _lastSaveMs, Environment.TickCount64);
                double megabytes = bytes / 1048576.0;
                double milliseconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                LogGraphSaved(persistence.Logger, Namespace, pending.Snapshot.Count, megabytes, sequence, milliseconds);
                return true;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            LogGraphSaveFailed(persistence.Logger, ex, Namespace);
            return false;
        }
        finally
        {
            if (readLocked)
            {
                Lock.ExitReadLock();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the saved vector index of namespace {Namespace} in {Milliseconds:F0} ms (saved at change {Sequence}): {Kept} vectors kept, {Moved} moved, {Removed} removed, {Added} added, {Replayed} writes replayed")]
    private static partial void LogGraphLoaded(ILogger logger, string @namespace, double milliseconds, long sequence, int kept, int moved, int removed, int added, int replayed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The saved vector index of namespace {Namespace} was not used ({Reason}); it was rebuilt in {Seconds:F1} s")]
    private static partial void LogGraphRejected(ILogger logger, string @namespace, string reason, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built the vector index of namespace {Namespace} ({Count} vectors) in {Seconds:F1} s")]
    private static partial void LogGraphBuilt(ILogger logger, string @namespace, int count, double seconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Saved the vector index of namespace {Namespace} ({Count} vectors, {Megabytes:F1} MB, change {Sequence}) in {Milliseconds:F0} ms")]
    private static partial void LogGraphSaved(ILogger logger, string @namespace, int count, double megabytes, long sequence, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving the vector index of namespace {Namespace} failed; it will be retried, or rebuilt after a restart")]
    private static partial void LogGraphSaveFailed(ILogger logger, Exception exception, string @namespace);

    public MemoryRecord? Get(string id) => _byId.TryGetValue(id, out var e) ? e.Record : null;

    public int? SlotOf(string id) => _byId.TryGetValue(id, out var e) ? e.Slot : null;

    public MemoryRecord RecordAt(int slot) => _bySlot[slot]!.Record;

    /// <summary>The normalized subject of the memory in a slot (see <see cref="BySubject"/>), or null.</summary>
    public string? SubjectKeyAt(int slot) => _bySlot[slot]!.SubjectKey;

    /// <summary>Adds or replaces a record with its vector (write lock held by the caller).</summary>
    public void Upsert(MemoryRecord record, ReadOnlySpan<float> vector) =>
        Upsert(record, FlatVectorIndex.Prepare(vector), null);

    /// <summary>
    /// Adds or replaces a record with inputs prepared outside the lock (write lock held by the caller); a null
    /// <paramref name="text"/> is analyzed here.
    /// </summary>
    public void Upsert(MemoryRecord record, PreparedVector vector, AnalyzedText? text)
    {
        if (_byId.TryGetValue(record.Id, out var existing))
        {
            bool textChanged = IndexText(existing.Record) != IndexText(record);
            TrackSession(existing.Record, -1);
            TrackSession(record, +1);
            SetSubject(existing, record);
            existing.Record = record;
            SetValidity(existing.Slot, record);
            Vectors.Set(existing.Slot, vector);
            AfterVectorWrite();
            if (textChanged)
            {
                Keywords.Add(existing.Slot, text ?? Keywords.Analyze(IndexText(record)));
                SubjectTexts.Set(existing.Slot, SubjectText(record));
            }
        }
        else
        {
            int slot = Vectors.Add(vector);
            AfterVectorWrite();
            var entry = new Entry(record, slot);
            _byId[record.Id] = entry;
            while (_bySlot.Count <= slot)
            {
                _bySlot.Add(null);
            }

            _bySlot[slot] = entry;
            TrackSession(record, +1);
            SetSubject(entry, record);
            SetValidity(slot, record);
            Keywords.Add(slot, text ?? Keywords.Analyze(IndexText(record)));
            if (record.Subject is not null)
            {
                SubjectTexts.Set(slot, SubjectText(record));
            }
        }

        MaxAccessCount = Math.Max(MaxAccessCount, record.AccessCount);
    }

    /// <summary>Replaces a record whose text and vector did not change (write lock held, or the read lock for access stats).</summary>
    public void ReplaceRecord(MemoryRecord record)
    {
        if (_byId.TryGetValue(record.Id, out var existing))
        {
            SetSubject(existing, record);
            existing.Record = record;
            SetValidity(existing.Slot, record);
            MaxAccessCount = Math.Max(MaxAccessCount, record.AccessCount);
        }
    }

    /// <summary>True when the memory in a slot holds at <paramref name="atMs"/> (Unix milliseconds).</summary>
    public bool IsValidAt(int slot, long atMs) => _validFrom[slot] <= atMs && atMs < _validTo[slot];

    private void SetValidity(int slot, MemoryRecord record)
    {
        if (slot >= _validFrom.Length)
        {
            int size = Math.Max(slot + 1, _validFrom.Length * 2);
            Array.Resize(ref _validFrom, size);
            Array.Resize(ref _validTo, size);
        }

        _validFrom[slot] = record.ValidFrom?.ToUnixTimeMilliseconds() ?? long.MinValue;
        _validTo[slot] = record.ValidTo?.ToUnixTimeMilliseconds() ?? long.MaxValue;
    }

    public void Remove(string id)
    {
        if (!_byId.Remove(id, out var entry))
        {
            return;
        }

        Vectors.Remove(entry.Slot);
        AfterVectorWrite();
        Keywords.Remove(entry.Slot);
        _bySlot[entry.Slot] = null;
        TrackSession(entry.Record, -1);
        RemoveSubject(entry);
        SubjectTexts.Remove(entry.Slot);
    }

    /// <summary>The records whose normalized subject is <paramref name="subjectKey"/> (see <see cref="TextAnalyzer.Normalize"/>).</summary>
    public IEnumerable<MemoryRecord> BySubject(string subjectKey) =>
        _bySubject.TryGetValue(subjectKey, out var entries) ? entries.Select(e => e.Record) : [];

    /// <summary>The number of distinct subjects.</summary>
    public int SubjectCount => _bySubject.Count;

    private void TrackSession(MemoryRecord record, int delta)
    {
        if (record.SessionId is not null)
        {
            SessionRecords += delta;
            SessionVersion++;
        }
    }

    private void SetSubject(Entry entry, MemoryRecord record)
    {
        if (entry.SubjectKey is not null && ReferenceEquals(entry.Record.Subject, record.Subject))
        {
            return;
        }

        var key = record.Subject is null ? null : TextAnalyzer.Normalize(record.Subject);
        if (key == entry.SubjectKey && entry.SubjectKey is not null)
        {
            return;
        }

        RemoveSubject(entry);
        entry.SubjectKey = key;
        if (key is not null)
        {
            if (!_bySubject.TryGetValue(key, out var set))
            {
                set = [];
                _bySubject[key] = set;
            }

            set.Add(entry);
        }
    }

    private void RemoveSubject(Entry entry)
    {
        if (entry.SubjectKey is { } old && _bySubject.TryGetValue(old, out var set))
        {
            set.Remove(entry);
            if (set.Count == 0)
            {
                _bySubject.Remove(old);
            }
        }

        entry.SubjectKey = null;
    }

    public void UpsertLink(MemoryLink link)
    {
        _links[link.Id] = link;
        Touch(link.FromId).Add(link.Id);
        Touch(link.ToId).Add(link.Id);
    }

    public void RemoveLink(string linkId)
    {
        if (!_links.Remove(linkId, out var link))
        {
            return;
        }

        if (_linksByMemory.TryGetValue(link.FromId, out var a))
        {
            a.Remove(linkId);
        }

        if (_linksByMemory.TryGetValue(link.ToId, out var b))
        {
            b.Remove(linkId);
        }
    }

    public MemoryLink? GetLink(string linkId) => _links.GetValueOrDefault(linkId);

    /// <summary>Links touching a memory, in the requested direction.</summary>
    public IEnumerable<MemoryLink> LinksOf(string memoryId, LinkDirection direction)
    {
        if (!_linksByMemory.TryGetValue(memoryId, out var ids))
        {
            yield break;
        }

        foreach (var id in ids)
        {
            var link = _links[id];
            bool outgoing = link.FromId == memoryId || (link.Bidirectional && link.ToId == memoryId);
            bool incoming = link.ToId == memoryId || (link.Bidirectional && link.FromId == memoryId);
            if (direction == LinkDirection.Both || (direction == LinkDirection.Outgoing && outgoing) || (direction == LinkDirection.Incoming && incoming))
            {
                yield return link;
            }
        }
    }

    /// <summary>The text the keyword index sees for a record: content plus the structured fields.</summary>
    public static string IndexText(MemoryRecord r)
    {
        if (r.Tags.Count == 0 && r.Subject is null && r.Predicate is null && r.Object is null && r.ProcedureName is null && r.Steps.Count == 0)
        {
            return r.Content;
        }

        var builder = t_indexText ??= new System.Text.StringBuilder(256);
        builder.Clear().Append(r.Content);
        for (int i = 0; i < r.Tags.Count; i++)
        {
            builder.Append(' ').Append(r.Tags[i]);
        }

        if (r.Subject is not null)
        {
            builder.Append(' ').Append(r.Subject);
        }

        if (r.Predicate is not null)
        {
            int start = builder.Append(' ').Length;
            builder.Append(r.Predicate).Replace('_', ' ', start, r.Predicate.Length);
        }

        if (r.Object is not null)
        {
            builder.Append(' ').Append(r.Object);
        }

        if (r.ProcedureName is not null)
        {
            builder.Append(' ').Append(r.ProcedureName);
        }

        for (int i = 0; i < r.Steps.Count; i++)
        {
            builder.Append(' ').Append(r.Steps[i]);
        }

        var text = builder.ToString();
        if (builder.Capacity > 16 * 1024)
        {
            t_indexText = null; // do not keep a huge buffer per thread
        }

        return text;
    }

    /// <summary>
    /// The text substring search sees for a fact or entity: content, subject and object (an observation's object is a
    /// shortened copy of its content, so it is left out); null for records without a subject.
    /// </summary>
    public static string? SubjectText(MemoryRecord r) => r.Subject is null
        ? null
        : r.Predicate == SemanticMemory.ObservationPredicate || r.Object is null
            ? string.Concat(r.Content, "\u001F", r.Subject)
            : string.Concat(r.Content, "\u001F", r.Subject, "\u001F", r.Object);

    /// <summary>The text the embedding model sees for a record.</summary>
    public static string EmbeddingText(MemoryRecord r) => r.Kind == MemoryKind.Procedural && (r.ProcedureName is not null || r.Steps.Count > 0)
        ? $"{r.ProcedureName}: {r.Content}\n{string.Join('\n', r.Steps)}"
        : r.Content;

    private HashSet<string> Touch(string memoryId)
    {
        if (!_linksByMemory.TryGetValue(memoryId, out var set))
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            _linksByMemory[memoryId] = set;
        }

        return set;
    }

    private sealed class Entry(MemoryRecord record, int slot)
    {
        public MemoryRecord Record { get; set; } = record;

        public int Slot { get; } = slot;

        /// <summary>The normalized subject the entry is filed under, or null.</summary>
        public string? SubjectKey { get; set; }
    }
}

/// <summary>Where and how a namespace index saves its approximate vector graph.</summary>
/// <param name="Directory">The folder of the graph files.</param>
/// <param name="Logger">Where loads, rebuilds and failed saves are reported.</param>
/// <param name="Sequence">The engine's last change sequence, written with a save (for diagnostics).</param>
internal sealed record VectorIndexPersistence(string Directory, ILogger Logger, Func<long> Sequence);
