namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The row ids an upsert batch inserted, as a run <see cref="First"/>..<see cref="Last"/> while they follow one another
/// (a table with an INTEGER PRIMARY KEY gives each new row the largest row id plus one, so a batch's inserts normally
/// form one run), else as a list.
/// </summary>
internal sealed class SqliteAppendedRows
{
    private List<long>? _scattered;
    private HashSet<long>? _lookup;

    public int Count { get; private set; }

    /// <summary>The first row id of the run (greater than <see cref="Last"/> when there is no run).</summary>
    public long First { get; private set; } = 1;

    /// <summary>The last row id of the run.</summary>
    public long Last { get; private set; }

    /// <summary>Every inserted row id when they do not form one run (then the run is empty); otherwise null.</summary>
    public List<long>? Scattered => _scattered;

    public void Add(long rowId)
    {
        if (_scattered is null)
        {
            if (Count == 0)
            {
                First = rowId;
                Last = rowId;
                Count = 1;
                return;
            }

            if (rowId == Last + 1 && Last != long.MaxValue)
            {
                Last = rowId;
                Count++;
                return;
            }

            _scattered = new List<long>(Count + 1);
            for (int i = 0; i < Count; i++)
            {
                _scattered.Add(First + i);
            }

            First = 1;
            Last = 0;
        }

        _scattered.Add(rowId);
        _lookup?.Add(rowId);
        Count++;
    }

    /// <summary>Whether the batch inserted the row.</summary>
    public bool Contains(long rowId)
    {
        if (_scattered is null)
        {
            return Count > 0 && rowId >= First && rowId <= Last;
        }

        _lookup ??= [.. _scattered];
        return _lookup.Contains(rowId);
    }
}
