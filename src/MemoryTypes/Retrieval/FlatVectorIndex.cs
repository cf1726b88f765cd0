using System.Numerics.Tensors;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// Exact nearest-neighbour index over unit vectors kept in one contiguous array, so a scan is a run of SIMD dot
/// products with no pointer chasing. Slots are reused after removal.
/// </summary>
/// <remarks>Not thread-safe: the owning namespace index guards it with its reader/writer lock.</remarks>
internal sealed class FlatVectorIndex
{
    private readonly int _dimensions;
    private float[] _data;
    private bool[] _used;
    private readonly Stack<int> _free = new();
    private int _highWater;

    public FlatVectorIndex(int dimensions, int initialCapacity = 256)
    {
        _dimensions = dimensions;
        _data = new float[dimensions * Math.Max(1, initialCapacity)];
        _used = new bool[Math.Max(1, initialCapacity)];
    }

    public int Dimensions => _dimensions;

    public int Count { get; private set; }

    /// <summary>Adds a vector (normalized on the way in) and returns its slot.</summary>
    public int Add(ReadOnlySpan<float> vector)
    {
        int slot = _free.Count > 0 ? _free.Pop() : _highWater++;
        EnsureCapacity(slot + 1);
        Set(slot, vector);
        _used[slot] = true;
        Count++;
        return slot;
    }

    /// <summary>Replaces the vector in a slot.</summary>
    public void Set(int slot, ReadOnlySpan<float> vector)
    {
        if (vector.Length != _dimensions)
        {
            throw new ArgumentException($"The vector has {vector.Length} dimensions; the index holds {_dimensions}.", nameof(vector));
        }

        var target = _data.AsSpan(slot * _dimensions, _dimensions);
        vector.CopyTo(target);
        var norm = TensorPrimitives.Norm(target);
        if (norm > 0 && Math.Abs(norm - 1f) > 1e-6f)
        {
            TensorPrimitives.Divide(target, norm, target);
        }
    }

    public void Remove(int slot)
    {
        if (!_used[slot])
        {
            return;
        }

        _used[slot] = false;
        _data.AsSpan(slot * _dimensions, _dimensions).Clear();
        _free.Push(slot);
        Count--;
    }

    /// <summary>The stored (normalized) vector of a slot.</summary>
    public ReadOnlySpan<float> Get(int slot) => _data.AsSpan(slot * _dimensions, _dimensions);

    /// <summary>Cosine similarity of a normalized query to a slot.</summary>
    public float Similarity(ReadOnlySpan<float> normalizedQuery, int slot) => TensorPrimitives.Dot(normalizedQuery, Get(slot));

    /// <summary>The <paramref name="k"/> most similar accepted slots, best first.</summary>
    /// <param name="normalizedQuery">A unit-length query vector.</param>
    /// <param name="k">How many.</param>
    /// <param name="accept">Filter on slots; null accepts all.</param>
    public List<(int Slot, float Similarity)> Search(ReadOnlySpan<float> normalizedQuery, int k, Func<int, bool>? accept)
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
            if (heap.Count < k)
            {
                heap.Enqueue(slot, sim);
            }
            else if (heap.TryPeek(out _, out var worst) && sim > worst)
            {
                heap.DequeueEnqueue(slot, sim);
            }
        }

        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var s, out var p))
        {
            result.Add((s, p));
        }

        result.Reverse();
        return result;
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

    private void EnsureCapacity(int slots)
    {
        if (slots <= _used.Length)
        {
            return;
        }

        int newSize = Math.Max(slots, _used.Length * 2);
        Array.Resize(ref _used, newSize);
        Array.Resize(ref _data, newSize * _dimensions);
    }
}
