using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    /// <summary>A snapshot of the memories of a namespace that match a predicate (for the typed facades).</summary>
    internal async Task<List<MemoryRecord>> SnapshotAsync(string ns, Func<MemoryRecord, bool> predicate, CancellationToken cancellationToken)
    {
        InputValidator.Namespace(ns);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var index = await GetIndexAsync(state, ns, cancellationToken);
        return ReadLocked(index, i => i.Records.Where(r => scope.Sees(r) && predicate(r)).ToList());
    }

    /// <summary>
    /// The memories of a namespace filed under a normalized subject (<see cref="Retrieval.TextAnalyzer.Normalize"/>)
    /// that match a predicate: one bucket of the subject index, not a scan.
    /// </summary>
    internal async Task<List<MemoryRecord>> SubjectSnapshotAsync(string ns, string subjectKey, Func<MemoryRecord, bool> predicate, CancellationToken cancellationToken)
    {
        InputValidator.Namespace(ns);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var index = await GetIndexAsync(state, ns, cancellationToken);
        return ReadLocked(index, i => i.BySubject(subjectKey).Where(r => scope.Sees(r) && predicate(r)).ToList());
    }

    /// <summary>
    /// Reads a namespace's hot index under its read lock (for facades that need a consistent view); the reader gets
    /// the caller's visibility filter (null: everything is visible) and must apply it to every record it returns.
    /// </summary>
    internal async Task<T> ReadIndexAsync<T>(string ns, Func<NamespaceIndex, DateTimeOffset, Func<MemoryRecord, bool>?, T> read, CancellationToken cancellationToken)
    {
        InputValidator.Namespace(ns);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var index = await GetIndexAsync(state, ns, cancellationToken);
        var now = Now();
        return ReadLocked(index, i => read(i, now, scope.Filter));
    }

    /// <summary>A link with its weight as it is at <paramref name="now"/> (faded by disuse).</summary>
    internal MemoryLink WithEffectiveWeight(MemoryLink link, DateTimeOffset now) =>
        link with { EffectiveWeight = Math.Round(EffectiveWeight(link, now), 6) };

    /// <summary>
    /// Stores a memory and, in the same transaction, closes the validity of the memories it replaces: those
    /// <paramref name="selectReplaced"/> picks among the namespace's current memories, plus an explicit
    /// <paramref name="supersedesId"/>. The closed ones stay queryable as history.
    /// </summary>
    internal async Task<(MemoryRecord Created, IReadOnlyList<MemoryRecord> Replaced)> RememberReplacingAsync(
        NewMemory memory,
        Func<MemoryRecord, bool> selectReplaced,
        string? supersedesId,
        Func<MemoryRecord, IReadOnlyList<MemoryRecord>, MemoryRecord>? finish,
        string? subjectKey,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        if (supersedesId is not null)
        {
            InputValidator.Id(supersedesId, "supersedes");
        }

        var state = await GetStateAsync(cancellationToken);
        var now = Now();
        var record = Prepare(memory, string.Empty, now, state);
        var vector = (await EmbedRecordsAsync(state, [memory], [record], cancellationToken))[0];
        var index = await GetIndexAsync(state, record.Namespace, cancellationToken);

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var closeAt = record.ValidFrom ?? now;
            var scope = await ReadScopeAsync(state, record.Namespace, cancellationToken);
            var replaced = ReadLocked(index, i => Candidates(i, subjectKey).Where(r => r.ValidTo is null && scope.Sees(r) && selectReplaced(r)).ToList());
            if (supersedesId is not null && replaced.All(r => r.Id != supersedesId))
            {
                var explicitOld = ReadLocked(index, i => i.Get(supersedesId)) is { } found && scope.Sees(found)
                    ? found
                    : throw new MemoryNotFoundException(supersedesId);
                if (explicitOld.ValidTo is not null)
                {
                    throw new MemoryValidationException("supersedes", $"Memory '{supersedesId}' was already superseded on {explicitOld.ValidTo:O}.");
                }

                replaced.Add(explicitOld);
            }

            if (replaced.Count > 0)
            {
                record = record with { Supersedes = supersedesId ?? replaced.OrderByDescending(r => r.CreatedAt).First().Id };
            }

            if (finish is not null)
            {
                record = finish(record, replaced);
            }

            var batch = new WriteBatch();
            batch.Upsert(record, vector, ChangeOperation.Created);
            var closed = new List<MemoryRecord>(replaced.Count);
            foreach (var old in replaced)
            {
                var oldVector = ReadLocked(index, i => i.Vectors.Get(i.SlotOf(old.Id)!.Value).ToArray());
                var closedRecord = old with
                {
                    ValidTo = closeAt > (old.ValidFrom ?? DateTimeOffset.MinValue) ? closeAt : now,
                    SupersededBy = record.Id,
                    Version = old.Version + 1,
                    UpdatedAt = now,
                };
                batch.Upsert(closedRecord, oldVector, ChangeOperation.Updated);
                closed.Add(closedRecord);
            }

            await CommitAsync(state, batch, cancellationToken);
            return (record, closed);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Returns the oldest memory of the namespace that <paramref name="isSame"/> picks, or stores
    /// <paramref name="memory"/> when there is none, as one step under the write gate: concurrent callers asking for
    /// the same thing (an entity by name) end up with one record, not one each.
    /// </summary>
    internal async Task<(MemoryRecord Record, bool Created)> FindOrRememberAsync(NewMemory memory, Func<MemoryRecord, bool> isSame, string? subjectKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var state = await GetStateAsync(cancellationToken);
        var record = Prepare(memory, string.Empty, Now(), state);
        var scope = await ReadScopeAsync(state, record.Namespace, cancellationToken);
        var index = await GetIndexAsync(state, record.Namespace, cancellationToken);
        MemoryRecord? Existing() => ReadLocked(index, i => Candidates(i, subjectKey).Where(r => scope.Sees(r) && isSame(r)).OrderBy(r => r.CreatedAt).ThenBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault());
        if (Existing() is { } found)
        {
            return (found, false);
        }

        var vector = (await EmbedRecordsAsync(state, [memory], [record], cancellationToken))[0];
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            if (Existing() is { } raced)
            {
                return (raced, false);
            }

            var batch = new WriteBatch();
            batch.Upsert(record, vector, ChangeOperation.Created);
            await CommitAsync(state, batch, cancellationToken);
            return (record, true);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The records a lookup considers: one subject's bucket when a key is given, else the whole namespace.</summary>
    private static IEnumerable<MemoryRecord> Candidates(NamespaceIndex index, string? subjectKey) =>
        subjectKey is null ? index.Records : index.BySubject(subjectKey);

    /// <summary>Applies a change to one memory's latest version under the write gate (for the typed facades).</summary>
    internal async Task<MemoryRecord> ChangeAsync(string id, long? expectedVersion, Func<MemoryRecord, MemoryRecord> change, CancellationToken cancellationToken)
    {
        InputValidator.Id(id);
        var state = await GetStateAsync(cancellationToken);
        var (index, _) = await FindAsync(state, id, cancellationToken);
        return await ApplyUpdateAsync(state, index, id, expectedVersion, change, null, null, cancellationToken);
    }

    /// <summary>Strengthens the links among memories that were used together.</summary>
    internal async Task<int> ReinforceAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        if (ids.Count < 2)
        {
            throw new MemoryValidationException("ids", "Give at least two memory ids that were used together.");
        }

        foreach (var id in ids)
        {
            InputValidator.Id(id, "ids");
        }

        var state = await GetStateAsync(cancellationToken);
        var (index, first) = await FindAsync(state, ids[0], cancellationToken);
        EnsureCanWrite(state, first);
        index.Lock.EnterWriteLock();
        try
        {
            return StrengthenLinks(index, ids.ToHashSet(StringComparer.Ordinal), Now());
        }
        finally
        {
            index.Lock.ExitWriteLock();
        }
    }

    /// <summary>Strengthens links whose two ends are both in <paramref name="ids"/>. Write lock held.</summary>
    private int StrengthenLinks(NamespaceIndex index, HashSet<string> ids, DateTimeOffset now)
    {
        int count = 0;
        foreach (var id in ids)
        {
            foreach (var link in index.LinksOf(id, LinkDirection.Outgoing).Where(l => l.FromId == id && ids.Contains(l.ToId)).ToList())
            {
                var current = EffectiveWeight(link, now);
                index.UpsertLink(link with
                {
                    Weight = Math.Min(1, current + (_options.LinkReinforcement * (1 - current))),
                    LastUsedAt = now,
                    UseCount = link.UseCount + 1,
                });
                _dirtyLinks[link.Id] = index.Namespace;
                count++;
            }
        }

        return count;
    }
}
