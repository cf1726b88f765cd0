using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// Nearest-neighbour index over unit vectors kept in one contiguous array, so a scan is a run of SIMD dot products
/// with no pointer chasing. Slots are reused after removal. Large indexes add an approximate HNSW graph.
/// </summary>
/// <remarks>
/// <para>
/// Design note: past a few thousand vectors the float32 scan is bound by memory bandwidth (10,000 × 384 floats is
/// 15 MB, far beyond L2). So each vector also keeps an int8 code (per-vector scale) — a quarter of the bytes — and a
/// large scan ranks the int8 codes first, then re-scores a generous shortlist with the float32 vectors. The
/// shortlist is wide enough that the final order is the exact one in practice; small indexes scan float32 directly.
/// </para>
/// <para>
/// From <see cref="DefaultApproximateThreshold"/> vectors a scan of any kind costs milliseconds, so the index builds
/// an HNSW graph (<see cref="HnswVectorIndex"/>, USearch) over the int8 codes, in the background, the first time it
/// is searched at that size; searches keep using the quantized scan until the graph is ready. Writes made during the
/// build are journaled and replayed when the graph is installed. From then on every add, replace and remove updates
/// the graph too, the index's own int8 codes are dropped (the graph holds them), and a search asks the graph for an
/// oversampled candidate list, keeps the slots <c>accept</c> allows, and re-scores them with exact float32
/// similarity. A selective filter (estimated from a sample of slots) or a graph that yields too few accepted
/// candidates falls back to the exact float32 scan of the accepted slots. Below half the threshold the graph is
/// dropped and the int8 codes rebuilt. The graph's beam widths grow with its size
/// (<see cref="HnswVectorIndex.ExpansionAddFor"/>, <see cref="HnswVectorIndex.ExpansionSearchFor"/>).
/// </para>
/// <para>
/// Persistence: <see cref="SaveApproximateIndex(string)"/> writes the live graph (keys = slots) and returns a hash of
/// each slot's int8 code; <see cref="WarmUp(Func{SavedGraph?})"/> gives the background task a saved graph to load
/// instead of building one. The saved keys are mapped onto the current slots by those hashes (so the vectors may be
/// loaded in any order), vectors deleted or changed since the save are removed, new ones added, and the result
/// installed like a build (writes made meanwhile replayed). A saved graph that fails to load or is mostly stale is
/// dropped for a build. <see cref="GraphBuilds"/>, <see cref="GraphLoads"/> and <see cref="LastGraphOutcome"/> say
/// which happened.
/// </para>
/// <para>
/// Thread safety: not thread-safe for writers; the owning namespace index guards it with its reader/writer lock
/// (writes under the write lock, searches under the read lock). Concurrent searches are safe, including the one that
/// installs a finished graph. Dispose releases the native graph (a finalizer releases it otherwise).
/// </para>
/// </remarks>
internal sealed class FlatVectorIndex : IDisposable
{
    /// <summary>Below this many vectors the float32 data fits in cache and the exact scan is faster.</summary>
    internal const int QuantizedScanThreshold = 4096;

    /// <summary>From this many vectors the index builds and uses the approximate HNSW graph.</summary>
    internal const int DefaultApproximateThreshold = 16_384;

    /// <summary>Below this share of accepted slots (estimated) a filtered search scans the accepted slots exactly.</summary>
    internal const double MinApproximateAcceptRate = 0.1;

    /// <summary>How many graph candidates a search re-scores, for reports.</summary>
    internal const string CandidatesDescription = "2k + 32 (divided by a filter's estimated accept rate)";

    private const int AcceptSamples = 64;

    private readonly int _dimensions;
    private readonly int _approximateThreshold;
    private readonly Stack<int> _free = new();
    private readonly object _gate = new();
    private float[] _data;
    private sbyte[]? _codes;
    private float[] _scales;
    private ulong[] _hashes;
    private bool[] _used;
    private int _highWater;
    private HnswVectorIndex? _graph;
    private GraphBuild? _build;
    private HashSet<int>? _journal;
    private bool _graphFailed;
    private long _graphChanges;
    private int _graphBuilds;
    private int _graphLoads;
    private int _graphTunedFor;
    private volatile bool _disposed;

    /// <summary>Creates an empty index.</summary>
    /// <param name="dimensions">Vector dimensions.</param>
    /// <param name="initialCapacity">Slots allocated up front.</param>
    /// <param name="approximateThreshold">Vectors from which the HNSW graph is used; <see cref="int.MaxValue"/> never.</param>
    public FlatVectorIndex(int dimensions, int initialCapacity = 256, int approximateThreshold = DefaultApproximateThreshold)
    {
        _dimensions = dimensions;
        _approximateThreshold = Math.Max(2, approximateThreshold);
        int capacity = Math.Max(1, initialCapacity);
        _data = new float[dimensions * capacity];
        _codes = new sbyte[dimensions * capacity];
        _scales = new float[capacity];
        _hashes = new ulong[capacity];
        _used = new bool[capacity];
    }

    public int Dimensions => _dimensions;

    public int Count { get; private set; }

    /// <summary>Changes with every add, replace and remove, so caches built on the index can tell they are stale.</summary>
    public long Version { get; private set; }

    /// <summary>True while searches go through the HNSW graph.</summary>
    internal bool IsApproximate => Volatile.Read(ref _graph) is not null;

    /// <summary>The background graph build in progress, if any (tests await it).</summary>
    internal Task? PendingBuild => Volatile.Read(ref _build)?.Task;

    /// <summary>Native bytes held by the graph, or 0.</summary>
    internal long GraphMemoryBytes => Volatile.Read(ref _graph)?.MemoryUsage ?? 0;

    /// <summary>Bytes of the graph's content (as serialized: codes, links, keys), or 0.</summary>
    internal long GraphDataBytes => Volatile.Read(ref _graph)?.SerializedLength ?? 0;

    /// <summary>The live graph's efConstruction, or 0.</summary>
    internal int GraphExpansionAdd => Volatile.Read(ref _graph)?.CurrentExpansionAdd ?? 0;

    /// <summary>The live graph's efSearch, or 0.</summary>
    internal int GraphExpansionSearch => Volatile.Read(ref _graph)?.CurrentExpansionSearch ?? 0;

    /// <summary>Managed bytes held by the vector arrays (capacity, not count).</summary>
    internal long ArrayBytes => ((long)_data.Length * sizeof(float)) + (_codes?.LongLength ?? 0) + ((long)_scales.Length * sizeof(float)) + ((long)_hashes.Length * sizeof(ulong)) + _used.LongLength;

    /// <summary>Graphs built from the vectors (in the background or by <see cref="BuildApproximateIndex"/>) and installed.</summary>
    internal int GraphBuilds => Volatile.Read(ref _graphBuilds);

    /// <summary>Saved graphs loaded (see <see cref="WarmUp(Func{SavedGraph?})"/>) and installed.</summary>
    internal int GraphLoads => Volatile.Read(ref _graphLoads);

    /// <summary>How the live graph came to be (built or loaded, and what was applied), or null before the first one.</summary>
    internal GraphOutcome? LastGraphOutcome { get; private set; }

    /// <summary>
    /// Whether the live graph holds <paramref name="slot"/> under its own key with the slot's current codes — the
    /// exact check that the graph is in step with the slot (a search can miss a node HNSW left poorly connected).
    /// </summary>
    internal bool GraphHoldsCurrent(int slot)
    {
        InstallFinishedGraph();
        if (Volatile.Read(ref _graph) is not { } graph || (uint)slot >= (uint)_highWater || !_used[slot])
        {
            return false;
        }

        var held = new sbyte[_dimensions];
        var expected = new sbyte[_dimensions];
        Quantize(Get(slot), expected);
        return graph.TryGetCodes((ulong)slot, held) && held.AsSpan().SequenceEqual(expected);
    }

    /// <summary>
    /// Changes to the live graph since it was last saved (<see cref="SaveApproximateIndex(string)"/>) or loaded
    /// unchanged; a freshly built graph counts as changed. 0 when there is no graph.
    /// </summary>
    internal long GraphChanges => Volatile.Read(ref _graphChanges);

    /// <summary>
    /// Called on a pool thread, without any lock, when a background build (or load) of the graph has finished; the
    /// graph is installed by the next search or write, or by <see cref="InstallPendingGraph"/>.
    /// </summary>
    internal Action? GraphReady { get; set; }

    /// <summary>Adds a vector (normalized on the way in) and returns its slot.</summary>
    public int Add(ReadOnlySpan<float> vector) => Add(Prepare(vector));

    /// <summary>Adds a prepared vector and returns its slot.</summary>
    public int Add(PreparedVector vector)
    {
        int slot = _free.Count > 0 ? _free.Pop() : _highWater++;
        EnsureCapacity(slot + 1);
        Set(slot, vector);
        _used[slot] = true;
        Count++;
        return slot;
    }

    /// <summary>
    /// Normalizes and quantizes a vector without touching the index, so the work can run on another thread (for
    /// example while the store writes).
    /// </summary>
    public static PreparedVector Prepare(ReadOnlySpan<float> vector) => Prepare(new ReadOnlyMemory<float>(vector.ToArray()));

    /// <summary>
    /// Like <see cref="Prepare(ReadOnlySpan{float})"/>, but a vector that is already of unit length is used as it is
    /// (not copied) until it is stored: ingest of normalized embeddings allocates only the int8 code.
    /// </summary>
    public static PreparedVector Prepare(ReadOnlyMemory<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector.Span);
        var normalized = vector;
        if (norm > 0 && Math.Abs(norm - 1f) > 1e-6f)
        {
            var copy = vector.ToArray();
            TensorPrimitives.Divide(copy, norm, copy);
            normalized = copy;
        }

        var codes = new sbyte[vector.Length];
        float scale = Quantize(normalized.Span, codes);
        return new PreparedVector(normalized, codes, scale);
    }

    /// <summary>Replaces the vector in a slot with a prepared one.</summary>
    public void Set(int slot, PreparedVector vector)
    {
        if (vector.Normalized.Length != _dimensions)
        {
            throw new ArgumentException($"The vector has {vector.Normalized.Length} dimensions; the index holds {_dimensions}.", nameof(vector));
        }

        Version++;
        vector.Normalized.Span.CopyTo(_data.AsSpan(slot * _dimensions, _dimensions));
        _scales[slot] = vector.Scale;
        _hashes[slot] = HashCodes(vector.Codes);
        InstallFinishedGraph();
        if (_codes is { } codes)
        {
            vector.Codes.CopyTo(codes.AsSpan(slot * _dimensions, _dimensions));
        }

        if (_graph is { } graph)
        {
            graph.Remove(slot);
            graph.Add(slot, vector.Codes);
            _graphChanges++;
            if (Count > _graphTunedFor + (_graphTunedFor / 4))
            {
                // Grown by a quarter since the beams were chosen: widen them for the new size.
                graph.TuneFor(Count);
                _graphTunedFor = Count;
            }
        }
        else
        {
            Journal(slot);
        }
    }

    /// <summary>Makes room for <paramref name="count"/> more vectors at once (one resize for a batch).</summary>
    public void Reserve(int count) => EnsureCapacity(_highWater + Math.Max(0, count - _free.Count));

    /// <summary>Replaces the vector in a slot (normalized on the way in).</summary>
    public void Set(int slot, ReadOnlySpan<float> vector) => Set(slot, Prepare(vector));

    public void Remove(int slot)
    {
        if (!_used[slot])
        {
            return;
        }

        _used[slot] = false;
        Version++;
        _data.AsSpan(slot * _dimensions, _dimensions).Clear();
        _scales[slot] = 0;
        _hashes[slot] = 0;
        _free.Push(slot);
        Count--;
        InstallFinishedGraph();
        _codes?.AsSpan(slot * _dimensions, _dimensions).Clear();
        if (_graph is { } graph)
        {
            graph.Remove(slot);
            _graphChanges++;
            if (Count < _approximateThreshold / 2)
            {
                DropGraph();
            }
        }
        else
        {
            Journal(slot);
        }
    }

    /// <summary>The stored (normalized) vector of a slot.</summary>
    public ReadOnlySpan<float> Get(int slot) => _data.AsSpan(slot * _dimensions, _dimensions);

    /// <summary>Cosine similarity of a normalized query to a slot.</summary>
    public float Similarity(ReadOnlySpan<float> normalizedQuery, int slot) => TensorPrimitives.Dot(normalizedQuery, Get(slot));

    /// <summary>The <paramref name="k"/> most similar accepted slots, best first, with exact similarities.</summary>
    /// <param name="normalizedQuery">A unit-length query vector.</param>
    /// <param name="k">How many.</param>
    /// <param name="accept">Filter on slots; null accepts all.</param>
    public List<(int Slot, float Similarity)> Search(ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
    {
        if (k <= 0)
        {
            return [];
        }

        InstallFinishedGraph();
        var graph = Volatile.Read(ref _graph);
        if (graph is null)
        {
            StartGraphBuildIfDue();
            var codes = Volatile.Read(ref _codes);
            if (codes is not null)
            {
                return Count < QuantizedScanThreshold
                    ? SearchExact(normalizedQuery, k, accept)
                    : SearchQuantized(codes, normalizedQuery, k, accept);
            }

            // A concurrent search installed the graph between the two reads (or the index was disposed).
            graph = Volatile.Read(ref _graph);
            if (graph is null)
            {
                return SearchExact(normalizedQuery, k, accept);
            }
        }

        return SearchApproximate(graph, normalizedQuery, k, accept);
    }

    /// <summary>The float32 scan of every accepted slot.</summary>
    internal List<(int Slot, float Similarity)> SearchExact(ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
    {
        var heap = new PriorityQueue<int, float>(k + 1);
        var data = _data.AsSpan();
        for (int slot = 0; slot < _highWater; slot++)
        {
            if (!_used[slot] || (accept is not null && !accept(slot)))
            {
                continue;
            }

            float sim = TensorPrimitives.Dot(normalizedQuery, data.Slice(slot * _dimensions, _dimensions));
            Offer(heap, k, slot, sim);
        }

        return Drain(heap);
    }

    /// <summary>Ranks int8 codes, then re-scores a shortlist of 2k + 64 with the float32 vectors (the exact scan once the graph holds the codes).</summary>
    internal List<(int Slot, float Similarity)> SearchQuantized(ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept) =>
        Volatile.Read(ref _codes) is { } codes ? SearchQuantized(codes, normalizedQuery, k, accept) : SearchExact(normalizedQuery, k, accept);

    private List<(int Slot, float Similarity)> SearchQuantized(sbyte[] allCodes, ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
    {
        int shortlist = (2 * k) + 64;
        Span<sbyte> queryCodes = _dimensions <= 2048 ? stackalloc sbyte[_dimensions] : new sbyte[_dimensions];
        float queryScale = Quantize(normalizedQuery, queryCodes);
        var candidates = new PriorityQueue<int, float>(shortlist + 1);
        var codes = allCodes.AsSpan();
        for (int slot = 0; slot < _highWater; slot++)
        {
            if (!_used[slot] || (accept is not null && !accept(slot)))
            {
                continue;
            }

            float approx = DotInt8(queryCodes, codes.Slice(slot * _dimensions, _dimensions)) * _scales[slot] * queryScale;
            Offer(candidates, shortlist, slot, approx);
        }

        var heap = new PriorityQueue<int, float>(k + 1);
        while (candidates.TryDequeue(out var slot, out _))
        {
            Offer(heap, k, slot, TensorPrimitives.Dot(normalizedQuery, Get(slot)));
        }

        return Drain(heap);
    }

    /// <summary>
    /// Asks the graph for an oversampled candidate list (2k + 32, divided by the estimated accept rate), keeps the
    /// accepted slots and re-scores them exactly; widens once, then falls back to the exact scan.
    /// </summary>
    internal List<(int Slot, float Similarity)> SearchApproximate(HnswVectorIndex graph, ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
    {
        int count = Count;
        double rate = 1;
        if (accept is not null)
        {
            rate = EstimateAcceptRate(accept);
            if (rate < MinApproximateAcceptRate || rate * count < 4.0 * k)
            {
                return SearchExact(normalizedQuery, k, accept);
            }
        }

        Span<sbyte> queryCodes = _dimensions <= 2048 ? stackalloc sbyte[_dimensions] : new sbyte[_dimensions];
        Quantize(normalizedQuery, queryCodes);
        int want = (int)Math.Min(count, Math.Ceiling(((2.0 * k) + 32) / rate));
        for (int round = 0; round < 2; round++)
        {
            var slots = System.Buffers.ArrayPool<ulong>.Shared.Rent(want);
            var distances = System.Buffers.ArrayPool<float>.Shared.Rent(want);
            try
            {
                int found = graph.Search(queryCodes, slots.AsSpan(0, want), distances.AsSpan(0, want));
                var heap = new PriorityQueue<int, float>(k + 1);
                var used = _used;
                for (int i = 0; i < found; i++)
                {
                    int slot = (int)slots[i];
                    if ((uint)slot >= (uint)used.Length || !used[slot] || (accept is not null && !accept(slot)))
                    {
                        continue;
                    }

                    Offer(heap, k, slot, TensorPrimitives.Dot(normalizedQuery, Get(slot)));
                }

                if (heap.Count >= k)
                {
                    return Drain(heap);
                }

                if (want >= count)
                {
                    break;
                }
            }
            finally
            {
                System.Buffers.ArrayPool<ulong>.Shared.Return(slots);
                System.Buffers.ArrayPool<float>.Shared.Return(distances);
            }

            want = (int)Math.Min(count, want * 4L);
        }

        return SearchExact(normalizedQuery, k, accept);
    }

    /// <summary>
    /// The share of a deterministic sample of used slots that <paramref name="accept"/> allows. The slot range is cut
    /// into <see cref="AcceptSamples"/> equal strata and each contributes its first used slot from a hashed offset, so
    /// the sample is spread over the whole range and never lines up with a periodic filter (an even stride, or a
    /// golden-ratio sequence at some range sizes — at exactly 1,000,000 slots one saw only odd slots).
    /// </summary>
    private double EstimateAcceptRate(Func<int, bool> accept)
    {
        int highWater = _highWater;
        if (highWater == 0)
        {
            return 1;
        }

        int used = 0, accepted = 0;
        for (int stratum = 0; stratum < AcceptSamples; stratum++)
        {
            int start = SampleSlot(stratum, AcceptSamples, highWater);
            for (int probe = 0; probe < 8; probe++)
            {
                int slot = start + probe;
                if (slot >= highWater)
                {
                    break;
                }

                if (_used[slot])
                {
                    used++;
                    if (accept(slot))
                    {
                        accepted++;
                    }

                    break;
                }
            }
        }

        return used == 0 ? 1 : (double)accepted / used;
    }

    /// <summary>A slot at a hashed (SplitMix64) offset inside stratum <paramref name="stratum"/> of <paramref name="strata"/> over [0, highWater).</summary>
    internal static int SampleSlot(int stratum, int strata, int highWater)
    {
        ulong z = ((ulong)stratum + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        double offset = (z >> 11) * (1.0 / (1UL << 53));
        long slot = (long)((stratum + offset) * highWater / strata);
        return (int)Math.Min(highWater - 1, slot);
    }

    /// <summary>
    /// Builds the graph now, on the calling thread plus <paramref name="parallelism"/> − 1 workers, and installs it
    /// (write lock held by the caller). For benchmarks, tests, and loaders that want the graph before the first search.
    /// </summary>
    internal void BuildApproximateIndex(int parallelism = 0)
    {
        if (_graph is not null || _disposed)
        {
            return;
        }

        if (Volatile.Read(ref _build) is { } running)
        {
            ((IAsyncResult)running.Task).AsyncWaitHandle.WaitOne();
            InstallFinishedGraph();
            if (_graph is not null)
            {
                return;
            }
        }

        var watch = Stopwatch.StartNew();
        var graph = BuildGraph(_codes!, _used, _highWater, Count, parallelism <= 0 ? Environment.ProcessorCount : parallelism, CancellationToken.None);
        Install(new GraphResult(graph, new GraphOutcome(GraphSource.Built, watch.Elapsed)), journal: null);
    }

    /// <summary>
    /// Writes the live graph to <paramref name="path"/> (USearch format: int8 codes, links, keys = this index's slots)
    /// and returns, per slot, a hash of the vector it holds (0 for a free slot), which lets
    /// <see cref="WarmUp(Func{SavedGraph?})"/> map the saved keys onto the slots of a later index holding the same
    /// vectors in another order. Null (nothing written) when no graph is live. Read lock held by the caller: writes
    /// must not run meanwhile; searches may.
    /// </summary>
    internal GraphSnapshot? SaveApproximateIndex(string path)
    {
        InstallFinishedGraph();
        var graph = Volatile.Read(ref _graph);
        if (graph is null || _disposed)
        {
            return null;
        }

        graph.SaveFile(path);
        var hashes = new ulong[_highWater];
        Array.Copy(_hashes, hashes, _highWater);
        Volatile.Write(ref _graphChanges, 0);
        return new GraphSnapshot(hashes, Count);
    }

    /// <summary>Installs a finished background build or load now, if there is one (under either lock).</summary>
    internal void InstallPendingGraph() => InstallFinishedGraph();

    private void Journal(int slot)
    {
        if (_journal is not null)
        {
            lock (_gate)
            {
                _journal?.Add(slot);
            }
        }
    }

    /// <summary>
    /// Starts building the approximate graph in the background now if the index is large enough (otherwise the first
    /// search starts it): for an index just loaded from the store, so its first queries do not wait for a scan.
    /// </summary>
    public void WarmUp() => StartGraphBuildIfDue(null);

    /// <summary>
    /// Like <see cref="WarmUp()"/>, but the background task first tries the graph <paramref name="openSaved"/> returns
    /// (null: none saved; it may throw <see cref="InvalidDataException"/> or <see cref="IOException"/>): its keys are
    /// mapped onto this index's slots by vector hash, the vectors deleted or changed since the save are removed from it
    /// and the new ones added. A saved graph that does not load, does not match, or would need more than half the
    /// vectors changed is dropped and the graph built as usual (<see cref="LastGraphOutcome"/> says why). Searches use
    /// the quantized scan until the graph is installed; writes made meanwhile are journaled and replayed.
    /// </summary>
    /// <param name="openSaved">Opens the saved graph; called on the background task.</param>
    public void WarmUp(Func<SavedGraph?>? openSaved) => StartGraphBuildIfDue(openSaved);

    private void StartGraphBuildIfDue(Func<SavedGraph?>? openSaved = null)
    {
        if (Count < _approximateThreshold || _graphFailed || _disposed || Volatile.Read(ref _build) is not null)
        {
            return;
        }

        lock (_gate)
        {
            if (_build is not null || _graph is not null || _graphFailed || _disposed)
            {
                return;
            }

            // The build reads these arrays without a lock while writers go on; every slot written from now on is
            // journaled and re-applied from the live arrays when the graph is installed, so torn reads do not matter.
            var codes = _codes!;
            var used = _used;
            var hashes = _hashes;
            int highWater = _highWater, count = Count;
            _journal = [];
            var cancellation = new CancellationTokenSource();
            int workers = Math.Max(1, Environment.ProcessorCount / 2);
            var task = Task.Run(() => LoadOrBuildGraph(openSaved, codes, used, hashes, highWater, count, workers, cancellation.Token));
            Volatile.Write(ref _build, new GraphBuild(task, cancellation));
            task.ContinueWith(
                static (_, state) =>
                {
                    var index = (FlatVectorIndex)state!;
                    if (!index._disposed)
                    {
                        index.GraphReady?.Invoke();
                    }
                },
                this,
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    private GraphResult LoadOrBuildGraph(Func<SavedGraph?>? openSaved, sbyte[] codes, bool[] used, ulong[] hashes, int highWater, int count, int parallelism, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        string? rejected = null;
        long? savedSequence = null;
        if (openSaved is not null)
        {
            try
            {
                if (openSaved() is { } saved)
                {
                    savedSequence = saved.Sequence;
                    var (graph, outcome) = LoadSavedGraph(saved, codes, used, hashes, highWater, count, parallelism, cancellationToken);
                    if (graph is not null)
                    {
                        return new GraphResult(graph, outcome with { Elapsed = watch.Elapsed });
                    }

                    rejected = outcome.Rejected;
                }
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                rejected = ex.Message;
            }
        }

        var built = BuildGraph(codes, used, highWater, count, parallelism, cancellationToken);
        return new GraphResult(built, new GraphOutcome(GraphSource.Built, watch.Elapsed) { Rejected = rejected, SavedSequence = savedSequence });
    }

    /// <summary>
    /// Loads a saved graph and brings it in step with the vectors (see <see cref="WarmUp(Func{SavedGraph?})"/>); a null
    /// graph with the reason in <see cref="GraphOutcome.Rejected"/> when too much changed since the save.
    /// </summary>
    private (HnswVectorIndex? Graph, GraphOutcome Outcome) LoadSavedGraph(SavedGraph saved, sbyte[] codes, bool[] used, ulong[] hashes, int highWater, int count, int parallelism, CancellationToken cancellationToken)
    {
        // Plan first, from the hashes alone, so a graph too stale to be worth loading is not read at all. A saved key
        // keeps its slot when that slot now holds the same vector; otherwise it moves to a slot holding its vector
        // that no other key took, or is removed.
        var savedHashes = saved.SlotHashes;
        var target = new int[savedHashes.Length];
        var taken = new bool[highWater];
        var pending = new List<int>();
        int kept = 0, moved = 0, removed = 0, savedCount = 0;
        for (int old = 0; old < savedHashes.Length; old++)
        {
            ulong hash = savedHashes[old];
            if (hash == 0)
            {
                target[old] = -2;
                continue;
            }

            savedCount++;
            if (old < highWater && used[old] && hashes[old] == hash)
            {
                target[old] = old;
                taken[old] = true;
                kept++;
            }
            else
            {
                pending.Add(old);
            }
        }

        if (savedCount != saved.Count)
        {
            throw new InvalidDataException($"The saved index map lists {savedCount} vectors but says it holds {saved.Count}.");
        }

        if (pending.Count > 0)
        {
            // Free slots by hash, as chains through `next` (equal vectors share a hash; any of them will do).
            var heads = new Dictionary<ulong, int>();
            var next = new int[highWater];
            for (int slot = highWater - 1; slot >= 0; slot--)
            {
                if (used[slot] && !taken[slot] && hashes[slot] != 0)
                {
                    next[slot] = heads.TryGetValue(hashes[slot], out int head) ? head : -1;
                    heads[hashes[slot]] = slot;
                }
            }

            foreach (int old in pending)
            {
                if (heads.TryGetValue(savedHashes[old], out int slot) && slot >= 0)
                {
                    target[old] = slot;
                    taken[slot] = true;
                    heads[savedHashes[old]] = next[slot];
                    moved++;
                }
                else
                {
                    target[old] = -1;
                    removed++;
                }
            }
        }

        var missing = new List<int>();
        for (int slot = 0; slot < highWater; slot++)
        {
            if (used[slot] && !taken[slot])
            {
                missing.Add(slot);
            }
        }

        var outcome = new GraphOutcome(GraphSource.Loaded, TimeSpan.Zero)
        {
            Kept = kept,
            Moved = moved,
            Removed = removed,
            Added = missing.Count,
            SavedSequence = saved.Sequence,
        };
        if (removed + missing.Count > count / 2)
        {
            return (null, outcome with { Rejected = $"{removed:N0} of its vectors were deleted or changed and {missing.Count:N0} added since it was saved" });
        }

        var graph = HnswVectorIndex.LoadFile(saved.GraphPath, _dimensions);
        try
        {
            if (graph.Size != saved.Count)
            {
                throw new InvalidDataException($"The saved graph holds {graph.Size:N0} vectors; its map lists {saved.Count:N0}.");
            }

            // Keys are slots: renaming in place could collide, so the moving keys are parked above the slot range
            // first (the keys that stay are never a target: targets are slots no kept key holds).
            const ulong Parked = 1UL << 40;
            foreach (int old in pending)
            {
                if (target[old] < 0)
                {
                    if (!graph.Remove((ulong)old))
                    {
                        throw new InvalidDataException($"The saved graph lacks the key {old} its map lists.");
                    }
                }
                else
                {
                    graph.Rename((ulong)old, (ulong)old + Parked);
                }
            }

            foreach (int old in pending)
            {
                if (target[old] >= 0)
                {
                    graph.Rename((ulong)old + Parked, (ulong)target[old]);
                }
            }

            if (missing.Count > 0)
            {
                graph.Reserve(graph.Size + removed + missing.Count + 1024);
                int dimensions = _dimensions;
                Parallel.ForEach(
                    missing,
                    new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
                    slot => graph.Add(slot, codes.AsSpan(slot * dimensions, dimensions), grow: false));
            }

            graph.UpdatePressure();
            return (graph, outcome);
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    private HnswVectorIndex BuildGraph(sbyte[] codes, bool[] used, int highWater, int count, int parallelism, CancellationToken cancellationToken)
    {
        var graph = HnswVectorIndex.Create(_dimensions, count);
        try
        {
            graph.Reserve(count + (count / 16) + 1024);
            int dimensions = _dimensions;
            Parallel.For(
                0,
                highWater,
                new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
                slot =>
                {
                    if (used[slot])
                    {
                        graph.Add(slot, codes.AsSpan(slot * dimensions, dimensions), grow: false);
                    }
                });
            graph.UpdatePressure();
            return graph;
        }
        catch
        {
            graph.Dispose();
            throw;
        }
    }

    /// <summary>Installs a finished background build (under either lock; concurrent callers serialize on the gate).</summary>
    private void InstallFinishedGraph()
    {
        var build = Volatile.Read(ref _build);
        if (build is null || !build.Task.IsCompleted)
        {
            return;
        }

        lock (_gate)
        {
            if (!ReferenceEquals(_build, build))
            {
                return;
            }

            Volatile.Write(ref _build, null);
            build.Cancellation.Dispose();
            var journal = _journal;
            _journal = null;
            if (!build.Task.IsCompletedSuccessfully)
            {
                // Stay on the quantized scan; do not retry a build that failed (for example a missing native library).
                _graphFailed = true;
                _ = build.Task.Exception;
                return;
            }

            if (_disposed)
            {
                build.Task.Result.Graph.Dispose();
                return;
            }

            Install(build.Task.Result, journal);
        }
    }

    private void Install(GraphResult result, HashSet<int>? journal)
    {
        var graph = result.Graph;
        var codes = _codes!;
        if (journal is not null)
        {
            foreach (int slot in journal)
            {
                graph.Remove(slot);
                if (slot < _highWater && _used[slot])
                {
                    graph.Add(slot, codes.AsSpan(slot * _dimensions, _dimensions));
                }
            }
        }

        var outcome = result.Outcome with { Replayed = journal?.Count ?? 0 };
        graph.TuneFor(Count);
        _graphTunedFor = Count;
        graph.UpdatePressure();
        LastGraphOutcome = outcome;
        Volatile.Write(ref _graphChanges, outcome.Source == GraphSource.Loaded && outcome.Unchanged ? 0 : 1 + outcome.Replayed);
        if (outcome.Source == GraphSource.Loaded)
        {
            Interlocked.Increment(ref _graphLoads);
        }
        else
        {
            Interlocked.Increment(ref _graphBuilds);
        }

        Volatile.Write(ref _graph, graph);
        Volatile.Write(ref _codes, null);
    }

    /// <summary>Back to the quantized scan (write lock held): rebuilds the int8 codes and frees the graph.</summary>
    private void DropGraph()
    {
        var graph = _graph!;
        var codes = new sbyte[_scales.Length * _dimensions];
        for (int slot = 0; slot < _highWater; slot++)
        {
            if (_used[slot])
            {
                Quantize(Get(slot), codes.AsSpan(slot * _dimensions, _dimensions));
            }
        }

        _codes = codes;
        Volatile.Write(ref _graphChanges, 0);
        Volatile.Write(ref _graph, null);
        graph.Dispose();
    }

    /// <summary>Releases the native graph (and abandons a build in progress).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        lock (_gate)
        {
            _disposed = true;
            var graph = Volatile.Read(ref _graph);
            Volatile.Write(ref _graph, null);
            graph?.Dispose();
            if (_build is { } build)
            {
                build.Cancellation.Cancel();
                build.Task.ContinueWith(
                    t =>
                    {
                        if (t.IsCompletedSuccessfully)
                        {
                            t.Result.Graph.Dispose();
                        }

                        build.Cancellation.Dispose();
                    },
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
                _build = null;
            }
        }
    }

    /// <summary>Normalizes a query vector into a new array.</summary>
    public static float[] Normalize(ReadOnlySpan<float> vector)
    {
        var copy = vector.ToArray();
        var norm = TensorPrimitives.Norm(copy);
        if (norm > 0)
        {
            TensorPrimitives.Divide(copy, norm, copy);
        }

        return copy;
    }

    /// <summary>Symmetric int8 quantization with a per-vector scale: x ≈ code × scale, codes in [-127, 127].</summary>
    internal static float Quantize(ReadOnlySpan<float> vector, Span<sbyte> codes)
    {
        float maxAbs = TensorPrimitives.MaxMagnitude(vector);
        maxAbs = Math.Abs(maxAbs);
        if (maxAbs == 0 || !float.IsFinite(maxAbs))
        {
            codes.Clear();
            return 0;
        }

        // Scaled so the largest component is exactly ±127; rounding keeps every code inside [-127, 127].
        Span<float> scaled = vector.Length <= 2048 ? stackalloc float[vector.Length] : new float[vector.Length];
        TensorPrimitives.Multiply(vector, 127f / maxAbs, scaled);
        TensorPrimitives.Round(scaled, scaled);
        TensorPrimitives.ConvertSaturating<float, sbyte>(scaled, codes);
        return maxAbs / 127f;
    }

    /// <summary>Dot product of two int8 vectors, exact in 32-bit integers.</summary>
    internal static int DotInt8(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        int i = 0;
        int sum = 0;
        ref sbyte ra = ref MemoryMarshal.GetReference(a);
        ref sbyte rb = ref MemoryMarshal.GetReference(b);
        if (Avx2.IsSupported && a.Length >= 32)
        {
            var acc = Vector256<int>.Zero;
            for (; i <= a.Length - 32; i += 32)
            {
                var (al, ah) = Vector256.Widen(Vector256.LoadUnsafe(ref ra, (nuint)i));
                var (bl, bh) = Vector256.Widen(Vector256.LoadUnsafe(ref rb, (nuint)i));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(al, bl));
                acc = Avx2.Add(acc, Avx2.MultiplyAddAdjacent(ah, bh));
            }

            sum = Vector256.Sum(acc);
        }
        else if (Vector128.IsHardwareAccelerated && a.Length >= 16)
        {
            var acc = Vector128<int>.Zero;
            for (; i <= a.Length - 16; i += 16)
            {
                var (al, ah) = Vector128.Widen(Vector128.LoadUnsafe(ref ra, (nuint)i));
                var (bl, bh) = Vector128.Widen(Vector128.LoadUnsafe(ref rb, (nuint)i));
                var (p0, p1) = Vector128.Widen(al * bl);
                var (p2, p3) = Vector128.Widen(ah * bh);
                acc += p0 + p1 + p2 + p3;
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += Unsafe.Add(ref ra, i) * Unsafe.Add(ref rb, i);
        }

        return sum;
    }

    private static void Offer(PriorityQueue<int, float> heap, int k, int slot, float score)
    {
        if (heap.Count < k)
        {
            heap.Enqueue(slot, score);
        }
        else if (heap.TryPeek(out _, out var worst) && score > worst)
        {
            heap.DequeueEnqueue(slot, score);
        }
    }

    private static List<(int Slot, float Similarity)> Drain(PriorityQueue<int, float> heap)
    {
        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var s, out var p))
        {
            result.Add((s, p));
        }

        result.Reverse();
        return result;
    }

    private void EnsureCapacity(int slots)
    {
        if (slots <= _used.Length)
        {
            return;
        }

        int newSize = Math.Max(slots, _used.Length * 2);
        Array.Resize(ref _used, newSize);
        Array.Resize(ref _scales, newSize);
        Array.Resize(ref _hashes, newSize);
        Array.Resize(ref _data, newSize * _dimensions);
        if (_codes is not null)
        {
            Array.Resize(ref _codes, newSize * _dimensions);
        }
    }

    /// <summary>
    /// A 64-bit hash of an int8 code (FNV-1a over 8-byte words, then a final mix), never 0: identifies a slot's vector
    /// in a saved graph's map. Codes are what the graph holds, and they do not change when a vector's float32 form
    /// moves in its last bits.
    /// </summary>
    internal static ulong HashCodes(ReadOnlySpan<sbyte> codes)
    {
        var bytes = MemoryMarshal.AsBytes(codes);
        ulong hash = 0xCBF29CE484222325UL ^ (ulong)bytes.Length;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong word in words)
        {
            hash = (hash ^ word) * 0x100000001B3UL;
        }

        for (int i = words.Length * sizeof(ulong); i < bytes.Length; i++)
        {
            hash = (hash ^ bytes[i]) * 0x100000001B3UL;
        }

        hash ^= hash >> 33;
        hash *= 0xFF51AFD7ED558CCDUL;
        hash ^= hash >> 33;
        return hash == 0 ? 1 : hash;
    }

    private sealed record GraphBuild(Task<GraphResult> Task, CancellationTokenSource Cancellation);

    private sealed record GraphResult(HnswVectorIndex Graph, GraphOutcome Outcome);
}

/// <summary>A unit vector with its int8 code, ready to be stored in a <see cref="FlatVectorIndex"/>.</summary>
/// <param name="Normalized">The unit vector.</param>
/// <param name="Codes">Its int8 code.</param>
/// <param name="Scale">The code's scale.</param>
internal sealed record PreparedVector(ReadOnlyMemory<float> Normalized, sbyte[] Codes, float Scale);

/// <summary>Where a live graph came from.</summary>
internal enum GraphSource
{
    /// <summary>Built from the vectors.</summary>
    Built,

    /// <summary>Loaded from a saved graph and brought in step with the vectors.</summary>
    Loaded,
}

/// <summary>How the live graph of a <see cref="FlatVectorIndex"/> came to be.</summary>
/// <param name="Source">Built or loaded.</param>
/// <param name="Elapsed">Time the background task took (load and catch-up, or build).</param>
internal sealed record GraphOutcome(GraphSource Source, TimeSpan Elapsed)
{
    /// <summary>Saved vectors kept at their slot.</summary>
    public int Kept { get; init; }

    /// <summary>Saved vectors moved to another slot (the namespace was loaded in another order).</summary>
    public int Moved { get; init; }

    /// <summary>Saved vectors removed (deleted or changed since the save).</summary>
    public int Removed { get; init; }

    /// <summary>Vectors added to the loaded graph (new or changed since the save).</summary>
    public int Added { get; init; }

    /// <summary>Writes made while the graph was built or loaded, replayed when it was installed.</summary>
    public int Replayed { get; init; }

    /// <summary>The change sequence the saved graph was written at, when one was found.</summary>
    public long? SavedSequence { get; init; }

    /// <summary>Why a saved graph was not used (the graph was built instead), or null.</summary>
    public string? Rejected { get; init; }

    /// <summary>True for a loaded graph that needed no change at all.</summary>
    public bool Unchanged => Moved == 0 && Removed == 0 && Added == 0 && Replayed == 0;
}

/// <summary>What <see cref="FlatVectorIndex.SaveApproximateIndex(string)"/> wrote beside the graph file.</summary>
/// <param name="SlotHashes">Per slot, the hash of its vector (<see cref="FlatVectorIndex.HashCodes"/>), 0 when free.</param>
/// <param name="Count">Vectors in the graph.</param>
internal sealed record GraphSnapshot(ulong[] SlotHashes, int Count);

/// <summary>A saved graph, found and checked, ready for <see cref="FlatVectorIndex.WarmUp(Func{SavedGraph?})"/>.</summary>
/// <param name="GraphPath">The USearch file.</param>
/// <param name="SlotHashes">Per saved slot (= graph key), the hash of its vector, 0 when free.</param>
/// <param name="Count">Vectors in the graph.</param>
/// <param name="Sequence">The change sequence it was saved at (for diagnostics).</param>
internal sealed record SavedGraph(string GraphPath, ulong[] SlotHashes, int Count, long Sequence);
