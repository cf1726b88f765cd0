using System.Runtime.InteropServices;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// An HNSW graph (USearch, cosine over int8 codes) keyed by <see cref="FlatVectorIndex"/> slots. It holds only the
/// graph and the int8 codes the flat index already computes; exact float32 re-scoring stays with the flat index.
/// </summary>
/// <remarks>
/// <para>
/// Thread safety. USearch serves each add or search from a pool of per-thread contexts taken without waiting; a call
/// that finds the pool empty is undefined behaviour in its C++ core. So every native call that takes a context goes
/// through <see cref="_contexts"/>, a semaphore with as many permits as reserved contexts: any number of concurrent
/// searches is safe (the surplus waits a few microseconds). Adds and removes must not run concurrently with searches
/// (the owning namespace holds its write lock); adds may run concurrently with each other (parallel build).
/// </para>
/// <para>
/// The codes are the flat index's per-vector-scaled int8 codes; cosine is invariant to each vector's scale, so the
/// graph ranks by the same int8 cosine the quantized scan used. USearch's own f32→i8 cast would scale unit vectors by
/// 127, leaving a 384-dimensional vector with codes of about ±6, which is why codes are passed in ready-made.
/// </para>
/// </remarks>
internal sealed class HnswVectorIndex : IDisposable
{
    /// <summary>HNSW connectivity (M) of a new graph: neighbours per node on upper levels, twice that on the base level.</summary>
    public const int Connectivity = 16;

    /// <summary>Beam width while searching (efSearch) of a graph up to 100,000 vectors; see <see cref="ExpansionSearchFor"/>.</summary>
    public const int ExpansionSearch = 96;

    private readonly Handle _handle;
    private readonly SemaphoreSlim _contexts;
    private readonly int _dimensions;
    private readonly int _contextCount;

    private HnswVectorIndex(Handle handle, int dimensions, int contexts)
    {
        _handle = handle;
        _dimensions = dimensions;
        _contextCount = contexts;
        _contexts = new SemaphoreSlim(contexts, contexts);
        NativeMethods.usearch_change_threads_add(handle.Pointer, (nuint)contexts, out var e1);
        NativeMethods.Check(e1, "reserving add contexts");
        NativeMethods.usearch_change_threads_search(handle.Pointer, (nuint)contexts, out var e2);
        NativeMethods.Check(e2, "reserving search contexts");
    }

    /// <summary>Concurrent native calls allowed (and thread contexts reserved).</summary>
    public static int ContextCount => Math.Clamp(Environment.ProcessorCount * 2, 8, 64);

    public int Dimensions => _dimensions;

    /// <summary>Vectors in the graph (removed ones excluded).</summary>
    public long Size
    {
        get
        {
            var size = NativeMethods.usearch_size(_handle.Pointer, out var error);
            NativeMethods.Check(error, "size");
            return (long)size;
        }
    }

    /// <summary>Native bytes held (graph, codes, lookup tables), as USearch reports them.</summary>
    public long MemoryUsage
    {
        get
        {
            var bytes = NativeMethods.usearch_memory_usage(_handle.Pointer, out var error);
            NativeMethods.Check(error, "memory usage");
            return (long)bytes;
        }
    }

    /// <summary>The beam width while searching (efSearch); change it only while no search runs (write lock).</summary>
    public int CurrentExpansionSearch
    {
        get
        {
            var value = NativeMethods.usearch_expansion_search(_handle.Pointer, out var error);
            NativeMethods.Check(error, "expansion search");
            return (int)value;
        }

        set
        {
            NativeMethods.usearch_change_expansion_search(_handle.Pointer, (nuint)Math.Max(1, value), out var error);
            NativeMethods.Check(error, "setting the search expansion");
        }
    }

    /// <summary>The beam width while inserting (efConstruction); change it only while no add runs (write lock).</summary>
    public int CurrentExpansionAdd
    {
        get
        {
            var value = NativeMethods.usearch_expansion_add(_handle.Pointer, out var error);
            NativeMethods.Check(error, "expansion add");
            return (int)value;
        }

        set
        {
            NativeMethods.usearch_change_expansion_add(_handle.Pointer, (nuint)Math.Max(1, value), out var error);
            NativeMethods.Check(error, "setting the add expansion");
        }
    }

    /// <summary>Sets both beam widths for a graph of <paramref name="count"/> vectors (no add or search may run meanwhile).</summary>
    public void TuneFor(long count)
    {
        CurrentExpansionAdd = ExpansionAddFor(count);
        CurrentExpansionSearch = ExpansionSearchFor(count);
    }

    /// <summary>
    /// Beam width while inserting (efConstruction) for a graph of <paramref name="count"/> vectors: 40 up to 100,000,
    /// 128 at 1,000,000, log-linear between (and on, up to 256). Larger graphs need wider beams for the same recall:
    /// on clustered 384-d vectors (1,000 clusters) 40 gives recall@10 0.985 at 100k but 0.89 at 300k and 0.64 at 1M,
    /// while 82 gives 0.998 at 300k and 128 gives 0.955–0.99 at 1M (docs/benchmarks.md). The build costs about
    /// proportionally more, so small graphs keep the narrow beam.
    /// </summary>
    public static int ExpansionAddFor(long count) => ScaleWithSize(count, 40, 128, 256);

    /// <summary>
    /// Beam width while searching (efSearch) for a graph of <paramref name="count"/> vectors: 96 up to 100,000, 384 at
    /// 1,000,000, log-linear between (and on, up to 1,024). A search's cost grows with its beam, hardly with the graph
    /// (1M: p50 1.5 ms at 256, 1.9 ms at 512), so large graphs buy recall with a wider beam. A search for more results
    /// than this widens the beam to the count.
    /// </summary>
    public static int ExpansionSearchFor(long count) => ScaleWithSize(count, ExpansionSearch, 384, 1024);

    private static int ScaleWithSize(long count, int at100K, int at1M, int max)
    {
        if (count <= 100_000)
        {
            return at100K;
        }

        double decades = Math.Log10(count / 100_000.0);
        return (int)Math.Min(max, Math.Round(at100K + ((at1M - at100K) * decades)));
    }

    /// <summary>Bytes the graph's content takes serialized (codes, links, keys): what it uses, without free arena space.</summary>
    public long SerializedLength
    {
        get
        {
            var length = NativeMethods.usearch_serialized_length(_handle.Pointer, out var error);
            NativeMethods.Check(error, "serialized length");
            return (long)length;
        }
    }

    /// <summary>Creates an empty graph for int8 codes of <paramref name="dimensions"/> components, sized for <paramref name="expectedCount"/> vectors.</summary>
    public static HnswVectorIndex Create(int dimensions, long expectedCount = 0)
    {
        var options = new NativeMethods.InitOptions
        {
            MetricKind = NativeMethods.MetricCos,
            Quantization = NativeMethods.ScalarI8,
            Dimensions = (nuint)dimensions,
            Connectivity = Connectivity,
            ExpansionAdd = (nuint)ExpansionAddFor(expectedCount),
            ExpansionSearch = (nuint)ExpansionSearchFor(expectedCount),
        };
        var pointer = NativeMethods.usearch_init(ref options, out var error);
        var handle = new Handle(pointer);
        if (error != IntPtr.Zero)
        {
            handle.Dispose();
            NativeMethods.Check(error, "init");
        }

        return new HnswVectorIndex(handle, dimensions, ContextCount);
    }

    /// <summary>Loads a graph written by <see cref="Save"/>.</summary>
    /// <param name="serialized">The bytes.</param>
    /// <param name="dimensions">The dimensions the caller expects; a mismatch throws.</param>
    public static HnswVectorIndex Load(ReadOnlySpan<byte> serialized, int dimensions)
    {
        if (serialized.IsEmpty)
        {
            throw new InvalidDataException("The serialized HNSW index is empty.");
        }

        var pointer = NativeMethods.usearch_init_empty(IntPtr.Zero, out var error);
        var handle = new Handle(pointer);
        try
        {
            NativeMethods.Check(error, "init");
            NativeMethods.usearch_load_buffer(pointer, ref MemoryMarshal.GetReference(serialized), (nuint)serialized.Length, out error);
            if (error != IntPtr.Zero)
            {
                throw new InvalidDataException($"The serialized HNSW index could not be loaded: {Marshal.PtrToStringUTF8(error)}");
            }

            var stored = (int)NativeMethods.usearch_dimensions(pointer, out error);
            NativeMethods.Check(error, "dimensions");
            if (stored != dimensions)
            {
                throw new InvalidDataException($"The serialized HNSW index has {stored} dimensions; {dimensions} were expected.");
            }

            NativeMethods.usearch_change_expansion_search(pointer, ExpansionSearch, out error);
            NativeMethods.Check(error, "setting the search expansion");
            var index = new HnswVectorIndex(handle, dimensions, ContextCount);
            index.UpdatePressure();
            return index;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Loads a graph written by <see cref="SaveFile"/>; throws <see cref="InvalidDataException"/> when the file does not load.</summary>
    /// <param name="path">The file.</param>
    /// <param name="dimensions">The dimensions the caller expects; a mismatch throws.</param>
    public static HnswVectorIndex LoadFile(string path, int dimensions)
    {
        var pointer = NativeMethods.usearch_init_empty(IntPtr.Zero, out var error);
        var handle = new Handle(pointer);
        try
        {
            NativeMethods.Check(error, "init");
            NativeMethods.usearch_load(pointer, ref NativeMethods.Utf8Path(path)[0], out error);
            if (error != IntPtr.Zero)
            {
                throw new InvalidDataException($"The saved HNSW index could not be loaded: {Marshal.PtrToStringUTF8(error)}");
            }

            var stored = (int)NativeMethods.usearch_dimensions(pointer, out error);
            NativeMethods.Check(error, "dimensions");
            if (stored != dimensions)
            {
                throw new InvalidDataException($"The saved HNSW index has {stored} dimensions; {dimensions} were expected.");
            }

            var index = new HnswVectorIndex(handle, dimensions, ContextCount);
            index.UpdatePressure();
            return index;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Writes the graph (with its codes and keys) to a file, replacing it. Safe while searches run, not while writes do.</summary>
    public void SaveFile(string path)
    {
        NativeMethods.usearch_save(_handle.Pointer, ref NativeMethods.Utf8Path(path)[0], out var error);
        NativeMethods.Check(error, "save");
    }

    /// <summary>Serializes the graph (with its codes and keys).</summary>
    public byte[] Save()
    {
        var length = NativeMethods.usearch_serialized_length(_handle.Pointer, out var error);
        NativeMethods.Check(error, "serialized length");
        var buffer = new byte[(long)length];
        NativeMethods.usearch_save_buffer(_handle.Pointer, ref MemoryMarshal.GetArrayDataReference(buffer), length, out error);
        NativeMethods.Check(error, "save");
        return buffer;
    }

    /// <summary>Makes room for <paramref name="capacity"/> vectors in total (one reallocation for a bulk load).</summary>
    public void Reserve(long capacity)
    {
        var current = NativeMethods.usearch_capacity(_handle.Pointer, out var error);
        NativeMethods.Check(error, "capacity");
        if ((long)current >= capacity)
        {
            return;
        }

        NativeMethods.usearch_reserve(_handle.Pointer, (nuint)capacity, out error);
        NativeMethods.Check(error, "reserve");
        // Reserving resets the context pool to the defaults; restore ours.
        NativeMethods.usearch_change_threads_add(_handle.Pointer, (nuint)_contextCount, out error);
        NativeMethods.Check(error, "reserving add contexts");
        NativeMethods.usearch_change_threads_search(_handle.Pointer, (nuint)_contextCount, out error);
        NativeMethods.Check(error, "reserving search contexts");
    }

    /// <summary>
    /// Adds the codes of a slot (growing the capacity geometrically). Safe to call from several threads at once after
    /// <see cref="Reserve"/> has made room for all of them; a single caller may rely on the automatic growth.
    /// </summary>
    public void Add(int slot, ReadOnlySpan<sbyte> codes, bool grow = true)
    {
        if (codes.Length != _dimensions)
        {
            throw new ArgumentException($"The code has {codes.Length} dimensions; the graph holds {_dimensions}.", nameof(codes));
        }

        if (grow)
        {
            var size = NativeMethods.usearch_size(_handle.Pointer, out var e0);
            NativeMethods.Check(e0, "size");
            var capacity = NativeMethods.usearch_capacity(_handle.Pointer, out e0);
            NativeMethods.Check(e0, "capacity");
            if (size + 1 > capacity)
            {
                // Grow by a quarter (at least 1,024): the per-slot tables of a large graph are not doubled for one insert.
                Reserve((long)capacity + Math.Max(1024, (long)capacity / 4));
            }
        }

        _contexts.Wait();
        IntPtr error;
        try
        {
            NativeMethods.usearch_add(_handle.Pointer, (ulong)slot, ref MemoryMarshal.GetReference(codes), NativeMethods.ScalarI8, out error);
        }
        finally
        {
            _contexts.Release();
        }

        NativeMethods.Check(error, "add");
    }

    /// <summary>Removes a slot if present; true when it was.</summary>
    public bool Remove(int slot) => Remove((ulong)slot);

    /// <summary>Removes a key if present; true when it was.</summary>
    public bool Remove(ulong key)
    {
        var removed = NativeMethods.usearch_remove(_handle.Pointer, key, out var error);
        NativeMethods.Check(error, "remove");
        return removed > 0;
    }

    /// <summary>Moves a vector from one key to another (the target key must be free).</summary>
    public void Rename(ulong from, ulong to)
    {
        NativeMethods.usearch_rename(_handle.Pointer, from, to, out var error);
        NativeMethods.Check(error, "rename");
    }

    /// <summary>Whether the graph holds a key.</summary>
    public bool Contains(ulong key)
    {
        var found = NativeMethods.usearch_contains(_handle.Pointer, key, out var error);
        NativeMethods.Check(error, "contains");
        return found;
    }

    /// <summary>Copies the int8 codes the graph holds under a key; false when it holds none.</summary>
    public bool TryGetCodes(ulong key, Span<sbyte> codes)
    {
        if (codes.Length != _dimensions)
        {
            throw new ArgumentException($"The buffer has {codes.Length} dimensions; the graph holds {_dimensions}.", nameof(codes));
        }

        var found = NativeMethods.usearch_get(_handle.Pointer, key, 1, ref MemoryMarshal.GetReference(codes), NativeMethods.ScalarI8, out var error);
        NativeMethods.Check(error, "get");
        return found > 0;
    }

    /// <summary>Whether the graph holds a slot.</summary>
    public bool Contains(int slot)
    {
        var found = NativeMethods.usearch_contains(_handle.Pointer, (ulong)slot, out var error);
        NativeMethods.Check(error, "contains");
        return found;
    }

    /// <summary>
    /// The approximate nearest slots to int8 query codes, best first, written into <paramref name="slots"/>;
    /// returns how many were found (at most the span length). Safe to call concurrently.
    /// </summary>
    public int Search(ReadOnlySpan<sbyte> queryCodes, Span<ulong> slots, Span<float> distances)
    {
        if (slots.IsEmpty)
        {
            return 0;
        }

        _contexts.Wait();
        nuint found;
        IntPtr error;
        try
        {
            found = NativeMethods.usearch_search(
                _handle.Pointer,
                ref MemoryMarshal.GetReference(queryCodes),
                NativeMethods.ScalarI8,
                (nuint)slots.Length,
                ref MemoryMarshal.GetReference(slots),
                ref MemoryMarshal.GetReference(distances),
                out error);
        }
        finally
        {
            _contexts.Release();
        }

        NativeMethods.Check(error, "search");
        return (int)found;
    }

    /// <summary>Tells the GC how much native memory the graph holds, so an unreferenced graph is collected promptly.</summary>
    public void UpdatePressure() => _handle.SetPressure(MemoryUsage);

    public void Dispose()
    {
        _handle.Dispose();
        _contexts.Dispose();
    }

    /// <summary>Owns the native index; frees it on dispose or, failing that, on finalization.</summary>
    private sealed class Handle : SafeHandle
    {
        private long _pressure;

        public Handle(IntPtr pointer)
            : base(IntPtr.Zero, ownsHandle: true)
        {
            SetHandle(pointer);
        }

        public override bool IsInvalid => handle == IntPtr.Zero;

        public IntPtr Pointer
        {
            get
            {
                ObjectDisposedException.ThrowIf(IsClosed, this);
                return handle;
            }
        }

        /// <summary>Reports the native bytes held to the GC (replacing the previous report).</summary>
        public void SetPressure(long bytes)
        {
            long before = Interlocked.Exchange(ref _pressure, bytes);
            if (bytes > before)
            {
                GC.AddMemoryPressure(bytes - before);
            }
            else if (before > bytes)
            {
                GC.RemoveMemoryPressure(before - bytes);
            }
        }

        protected override bool ReleaseHandle()
        {
            NativeMethods.usearch_free(handle, out _);
            long pressure = Interlocked.Exchange(ref _pressure, 0);
            if (pressure > 0)
            {
                GC.RemoveMemoryPressure(pressure);
            }

            return true;
        }
    }
}
