namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The best <c>k</c> (row id, score) pairs of a scan, kept in a bounded heap so a search never holds more than
/// <c>k</c> candidates however many rows it reads.
/// </summary>
internal sealed class SqliteTopK
{
    private readonly int _capacity;
    private readonly bool _higherIsBetter;

    // The heap's root is the worst kept candidate; priority is the "goodness" (score, negated when lower is better).
    private readonly PriorityQueue<(long RowId, double Score), double> _heap;

    public SqliteTopK(int capacity, bool higherIsBetter)
    {
        _capacity = capacity;
        _higherIsBetter = higherIsBetter;
        _heap = new PriorityQueue<(long, double), double>(Math.Min(capacity, 1024) + 1);
    }

    public int Count => _heap.Count;

    public void Add(long rowId, double score)
    {
        if (_capacity <= 0)
        {
            return;
        }

        double goodness = _higherIsBetter ? score : -score;
        if (_heap.Count < _capacity)
        {
            _heap.Enqueue((rowId, score), goodness);
        }
        else if (_heap.TryPeek(out _, out var worst) && goodness > worst)
        {
            // Strictly better only: on ties the earlier row (lower row id, scanned first) stays.
            _heap.EnqueueDequeue((rowId, score), goodness);
        }
    }

    /// <summary>The kept candidates, best first; ties in row id order.</summary>
    public List<(long RowId, double Score)> ToSortedList()
    {
        var items = new List<(long RowId, double Score)>(_heap.Count);
        foreach (var (element, _) in _heap.UnorderedItems)
        {
            items.Add(element);
        }

        items.Sort((a, b) =>
        {
            int byScore = _higherIsBetter ? b.Score.CompareTo(a.Score) : a.Score.CompareTo(b.Score);
            return byScore != 0 ? byScore : a.RowId.CompareTo(b.RowId);
        });
        return items;
    }
}
