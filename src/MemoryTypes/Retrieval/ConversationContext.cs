using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// The conversational neighbourhood of every memory of a namespace: memories that share a session id, in timeline
/// order (occurred-at, then id, which the engine makes in creation order), are neighbours. A conversation turn is
/// often unreadable alone ("Yeah, contemporary is my top pick!" answers "What's your favourite dance?"), so recall
/// scores a turn together with its context: the turns just before and after it in the same session, weighted down
/// with distance (<see cref="Weights"/>). Memories without a session have no neighbours and are scored alone.
/// </summary>
/// <remarks>
/// Built from a namespace index on demand and cached until the index changes (see <see cref="IsCurrent"/>);
/// immutable once built, so concurrent readers can share it.
/// </remarks>
internal sealed class ConversationContext
{
    /// <summary>
    /// Weight of a neighbour's words by distance (index 0 = one turn away). A turn's own words weigh 1; the turn
    /// before and after weigh 0.7, the ones two away 0.4: the immediate exchange carries most of a turn's meaning.
    /// </summary>
    public static readonly float[] Weights = [0.7f, 0.4f];

    private const int None = -1;

    private readonly int[] _previous;
    private readonly int[] _next;

    private ConversationContext(long version, int[] previous, int[] next, int linked, double[] foldedLengths, double averageFoldedLength)
    {
        Version = version;
        _previous = previous;
        _next = next;
        LinkedCount = linked;
        FoldedLengths = foldedLengths;
        AverageFoldedLength = averageFoldedLength;
    }

    /// <summary>An empty context (no memory has a neighbour).</summary>
    public static ConversationContext Empty { get; } = new(-1, [], [], 0, [], 0);

    /// <summary>Per slot: the keyword-index length of the memory plus its neighbours' lengths times their weights.</summary>
    public double[] FoldedLengths { get; }

    /// <summary>The mean of <see cref="FoldedLengths"/> over the namespace's memories.</summary>
    public double AverageFoldedLength { get; }

    /// <summary>The index version this context was built from.</summary>
    public long Version { get; }

    /// <summary>How many memories have at least one neighbour.</summary>
    public int LinkedCount { get; }

    /// <summary>True when no memory has a neighbour (then contextual scoring equals plain scoring).</summary>
    public bool IsEmpty => LinkedCount == 0;

    /// <summary>The largest neighbour distance used.</summary>
    public static int Radius => Weights.Length;

    /// <summary>The version of a namespace index that a context must match.</summary>
    /// <remarks>
    /// Only writes of memories with a session change the neighbours; other writes leave them as they are (their
    /// slots are scored with their own length), so a namespace without conversations never rebuilds its context.
    /// </remarks>
    public static long VersionOf(NamespaceIndex index) => index.SessionVersion;

    /// <summary>True when this context still describes <paramref name="index"/>.</summary>
    public bool IsCurrent(NamespaceIndex index) => Version == VersionOf(index);

    /// <summary>The slot of the memory <paramref name="distance"/> (1 or more) before a slot in its session, or -1.</summary>
    public int Before(int slot, int distance)
    {
        for (int d = 0; d < distance && slot != None; d++)
        {
            slot = slot < _previous.Length ? _previous[slot] : None;
        }

        return slot;
    }

    /// <summary>The slot of the memory <paramref name="distance"/> (1 or more) after a slot in its session, or -1.</summary>
    public int After(int slot, int distance)
    {
        for (int d = 0; d < distance && slot != None; d++)
        {
            slot = slot < _next.Length ? _next[slot] : None;
        }

        return slot;
    }

    /// <summary>The most neighbours a slot can have (<see cref="Radius"/> on each side).</summary>
    public static int MaxNeighbours => 2 * Weights.Length;

    /// <summary>
    /// Writes the neighbours of a slot within <see cref="Radius"/>, with their weights, into <paramref name="into"/>
    /// (at least <see cref="MaxNeighbours"/> long). The relation is symmetric, so these are also the slots whose
    /// context contains <paramref name="slot"/>, with the same weights.
    /// </summary>
    /// <returns>How many were written.</returns>
    public int Neighbours(int slot, Span<(int Slot, float Weight)> into)
    {
        if ((uint)slot >= (uint)_previous.Length)
        {
            return 0;
        }

        int count = 0;
        int before = slot, after = slot;
        for (int d = 0; d < Weights.Length; d++)
        {
            if (before != None)
            {
                before = _previous[before];
                if (before != None)
                {
                    into[count++] = (before, Weights[d]);
                }
            }

            if (after != None)
            {
                after = _next[after];
                if (after != None)
                {
                    into[count++] = (after, Weights[d]);
                }
            }
        }

        return count;
    }

    /// <summary>Builds the context of a namespace index (read lock held by the caller).</summary>
    public static ConversationContext Build(NamespaceIndex index)
    {
        if (index.SessionRecords < 2)
        {
            return new ConversationContext(VersionOf(index), [], [], 0, [], 0);
        }

        var sessions = new Dictionary<string, List<(long OccurredAt, string Id, int Slot)>>(StringComparer.Ordinal);
        foreach (var record in index.Records)
        {
            if (record.SessionId is null || index.SlotOf(record.Id) is not int slot)
            {
                continue;
            }

            if (!sessions.TryGetValue(record.SessionId, out var list))
            {
                list = [];
                sessions[record.SessionId] = list;
            }

            list.Add((record.OccurredAt.UtcTicks, record.Id, slot));
        }

        var ordered = new List<IReadOnlyList<int>>(sessions.Count);
        foreach (var list in sessions.Values)
        {
            if (list.Count < 2)
            {
                continue;
            }

            list.Sort(static (a, b) =>
            {
                int c = a.OccurredAt.CompareTo(b.OccurredAt);
                return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
            });
            ordered.Add(list.ConvertAll(e => e.Slot));
        }

        return Create(ordered, index.Keywords, VersionOf(index));
    }

    /// <summary>Builds a context from sessions given as slots in timeline order.</summary>
    /// <param name="sessions">Each session's slots, in order; sessions of one memory are allowed (no neighbours).</param>
    /// <param name="keywords">The keyword index whose document lengths are folded.</param>
    /// <param name="version">The version to stamp (see <see cref="VersionOf"/>).</param>
    public static ConversationContext Create(IEnumerable<IReadOnlyList<int>> sessions, Bm25Index keywords, long version)
    {
        var lists = sessions.Where(s => s.Count >= 2).ToList();
        if (lists.Count == 0)
        {
            return new ConversationContext(version, [], [], 0, [], 0);
        }

        int maxSlot = lists.Max(s => s.Max());
        var previous = new int[maxSlot + 1];
        var next = new int[maxSlot + 1];
        Array.Fill(previous, None);
        Array.Fill(next, None);
        int linked = 0;
        foreach (var list in lists)
        {
            for (int i = 0; i < list.Count; i++)
            {
                previous[list[i]] = i > 0 ? list[i - 1] : None;
                next[list[i]] = i + 1 < list.Count ? list[i + 1] : None;
            }

            linked += list.Count;
        }

        var context = new ConversationContext(version, previous, next, linked, [], 0);

        // Folded lengths over every slot of the keyword index (memories without a session keep their own length).
        int size = Math.Max(maxSlot + 1, keywords.SlotCapacity);
        var lengths = new double[size];
        double total = 0;
        int documents = 0;
        Span<(int Slot, float Weight)> neighbours = stackalloc (int, float)[MaxNeighbours];
        for (int slot = 0; slot < size; slot++)
        {
            if (!keywords.HasDocument(slot))
            {
                continue;
            }

            double length = keywords.DocumentLength(slot);
            int count = context.Neighbours(slot, neighbours);
            for (int i = 0; i < count; i++)
            {
                length += neighbours[i].Weight * keywords.DocumentLength(neighbours[i].Slot);
            }

            lengths[slot] = length;
            total += length;
            documents++;
        }

        return new ConversationContext(version, previous, next, linked, lengths, documents == 0 ? 0 : total / documents);
    }
}
