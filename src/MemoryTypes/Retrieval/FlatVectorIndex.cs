using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// Exact nearest-neighbour index over unit vectors kept in one contiguous array, so a scan is a run of SIMD dot
/// products with no pointer chasing. Slots are reused after removal.
/// </summary>
/// <remarks>
/// Design note: past a few thousand vectors the float32 scan is bound by memory bandwidth (10,000 × 384 floats is
/// 15 MB, far beyond L2). So each vector also keeps an int8 code (per-vector scale) — a quarter of the bytes — and a
/// large scan ranks the int8 codes first, then re-scores a generous shortlist with the float32 vectors. The
/// shortlist is wide enough that the final order is the exact one in practice; small indexes scan float32 directly.
/// Not thread-safe: the owning namespace index guards it with its reader/writer lock.
/// </remarks>
internal sealed class FlatVectorIndex
{
    /// <summary>Below this many vectors the float32 data fits in cache and the exact scan is faster.</summary>
    internal const int QuantizedScanThreshold = 4096;

    private readonly int _dimensions;
    private readonly Stack<int> _free = new();
    private float[] _data;
    private sbyte[] _codes;
    private float[] _scales;
    private bool[] _used;
    private int _highWater;

    public FlatVectorIndex(int dimensions, int initialCapacity = 256)
    {
        _dimensions = dimensions;
        int capacity = Math.Max(1, initialCapacity);
        _data = new float[dimensions * capacity];
        _codes = new sbyte[dimensions * capacity];
        _scales = new float[capacity];
        _used = new bool[capacity];
    }

    public int Dimensions => _dimensions;

    public int Count { get; private set; }

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
    public static PreparedVector Prepare(ReadOnlySpan<float> vector)
    {
        var normalized = vector.ToArray();
        var norm = TensorPrimitives.Norm(normalized);
        if (norm > 0 && Math.Abs(norm - 1f) > 1e-6f)
        {
            TensorPrimitives.Divide(normalized, norm, normalized);
        }

        var codes = new sbyte[normalized.Length];
        float scale = Quantize(normalized, codes);
        return new PreparedVector(normalized, codes, scale);
    }

    /// <summary>Replaces the vector in a slot with a prepared one.</summary>
    public void Set(int slot, PreparedVector vector)
    {
        if (vector.Normalized.Length != _dimensions)
        {
            throw new ArgumentException($"The vector has {vector.Normalized.Length} dimensions; the index holds {_dimensions}.", nameof(vector));
        }

        vector.Normalized.CopyTo(_data.AsSpan(slot * _dimensions, _dimensions));
        vector.Codes.CopyTo(_codes.AsSpan(slot * _dimensions, _dimensions));
        _scales[slot] = vector.Scale;
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
        _data.AsSpan(slot * _dimensions, _dimensions).Clear();
        _codes.AsSpan(slot * _dimensions, _dimensions).Clear();
        _scales[slot] = 0;
        _free.Push(slot);
        Count--;
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

        return Count < QuantizedScanThreshold
            ? SearchExact(normalizedQuery, k, accept)
            : SearchQuantized(normalizedQuery, k, accept);
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

    /// <summary>Ranks int8 codes, then re-scores a shortlist of 2k + 64 with the float32 vectors.</summary>
    internal List<(int Slot, float Similarity)> SearchQuantized(ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
    {
        int shortlist = (2 * k) + 64;
        Span<sbyte> queryCodes = _dimensions <= 2048 ? stackalloc sbyte[_dimensions] : new sbyte[_dimensions];
        float queryScale = Quantize(normalizedQuery, queryCodes);
        var candidates = new PriorityQueue<int, float>(shortlist + 1);
        var codes = _codes.AsSpan();
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
        Array.Resize(ref _data, newSize * _dimensions);
        Array.Resize(ref _codes, newSize * _dimensions);
    }
}

/// <summary>A unit vector with its int8 code, ready to be stored in a <see cref="FlatVectorIndex"/>.</summary>
/// <param name="Normalized">The unit vector.</param>
/// <param name="Codes">Its int8 code.</param>
/// <param name="Scale">The code's scale.</param>
internal sealed record PreparedVector(float[] Normalized, sbyte[] Codes, float Scale);
