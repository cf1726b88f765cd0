using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    /// <summary>Links two memories, or updates the link of that type between them (weight, direction).</summary>
    /// <param name="link">The link.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored link.</returns>
    /// <exception cref="MemoryNotFoundException">One of the memories does not exist.</exception>
    /// <exception cref="MemoryValidationException">A bad type or weight, or a link of a memory to itself.</exception>
    public async Task<MemoryLink> LinkAsync(NewLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        InputValidator.Id(link.FromId, "fromId");
        InputValidator.Id(link.ToId, "toId");
        var type = InputValidator.LinkType(link.Type);
        var weight = InputValidator.Weight(link.Weight);
        var author = Caller()?.Id ?? InputValidator.ShortText(link.Author, "author");
        if (link.FromId == link.ToId)
        {
            throw new MemoryValidationException("toId", "A memory cannot be linked to itself.");
        }

        var state = await GetStateAsync(cancellationToken);
        var (fromIndex, from) = await FindAsync(state, link.FromId, cancellationToken);
        var (_, to) = await FindAsync(state, link.ToId, cancellationToken);
        EnsureCanWrite(state, from);

        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var now = Now();
            // One link per (from, type, to): found by its fields, not its id (which does not hold the type).
            var existing = ReadLocked(fromIndex, i => i.LinksOf(from.Id, LinkDirection.Outgoing).FirstOrDefault(l => l.FromId == from.Id && l.ToId == to.Id && l.Type == type));
            var id = existing?.Id ?? MemoryLink.NewId(from.Id, to.Id);
            var stored = new MemoryLink
            {
                Id = id,
                Namespace = from.Namespace,
                ToNamespace = to.Namespace,
                FromId = from.Id,
                ToId = to.Id,
                Type = type,
                Weight = weight,
                EffectiveWeight = weight,
                Bidirectional = link.Bidirectional,
                CreatedAt = existing?.CreatedAt ?? now,
                LastUsedAt = now,
                UseCount = existing?.UseCount ?? 0,
                Author = author,
            };
            var batch = new WriteBatch();
            batch.UpsertLink(stored);
            await CommitAsync(state, batch, cancellationToken);
            _dirtyLinks.TryRemove(id, out _);
            return stored;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Removes links between two memories.</summary>
    /// <param name="fromId">The source memory.</param>
    /// <param name="toId">The target memory.</param>
    /// <param name="type">The link type, or null for every type.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>How many links were removed.</returns>
    public async Task<int> UnlinkAsync(string fromId, string toId, string? type = null, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(fromId, "fromId");
        InputValidator.Id(toId, "toId");
        var normalizedType = type is null ? null : InputValidator.LinkType(type);
        var state = await GetStateAsync(cancellationToken);
        var (index, from) = await FindAsync(state, fromId, cancellationToken);
        EnsureCanWrite(state, from);
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var links = ReadLocked(index, i => i.LinksOf(fromId, LinkDirection.Both)
                .Where(l => ((l.FromId == fromId && l.ToId == toId) || (l.Bidirectional && l.FromId == toId && l.ToId == fromId))
                    && (normalizedType is null || l.Type == normalizedType))
                .ToList());
            if (links.Count == 0)
            {
                return 0;
            }

            var batch = new WriteBatch();
            foreach (var link in links)
            {
                batch.DeleteLink(link);
                _dirtyLinks.TryRemove(link.Id, out _);
            }

            await CommitAsync(state, batch, cancellationToken);
            return links.Count;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>The links of a memory, strongest first, with their weight as it is now (faded by disuse).</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="direction">Which links.</param>
    /// <param name="type">Only links of this type, or null for all.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="MemoryNotFoundException">The memory does not exist.</exception>
    public async Task<IReadOnlyList<MemoryLink>> GetLinksAsync(string id, LinkDirection direction = LinkDirection.Both, string? type = null, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(id);
        var normalizedType = type is null ? null : InputValidator.LinkType(type);
        var state = await GetStateAsync(cancellationToken);
        var (index, _) = await FindAsync(state, id, cancellationToken);
        var now = Now();
        var links = ReadLocked(index, i => i.LinksOf(id, direction)
            .Where(l => normalizedType is null || l.Type == normalizedType)
            .Select(l => l with { EffectiveWeight = Math.Round(EffectiveWeight(l, now), 6) })
            .OrderByDescending(l => l.EffectiveWeight)
            .ThenBy(l => l.Id, StringComparer.Ordinal)
            .ToList());
        if (CallerIsTrusted())
        {
            return links;
        }

        // Only links whose other end the caller may read (GetAsync answers null for the others).
        var visible = new List<MemoryLink>(links.Count);
        foreach (var link in links)
        {
            if (await GetAsync(link.FromId == id ? link.ToId : link.FromId, cancellationToken) is not null)
            {
                visible.Add(link);
            }
        }

        return visible;
    }

    /// <summary>
    /// Explores the associations of a memory: activation starts at 1 on the memory and spreads along links
    /// (multiplied by each link's current weight and a decay per hop), the way associative recall works.
    /// </summary>
    /// <param name="id">The starting memory.</param>
    /// <param name="depth">How many hops (1 to 4).</param>
    /// <param name="minActivation">Stop spreading below this activation.</param>
    /// <param name="limit">Most memories to return.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Reached memories with their activation and the link that reached them, strongest first.</returns>
    public async Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, double minActivation = 0.05, int limit = 25, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(id);
        if (depth is < 1 or > 4)
        {
            throw new MemoryValidationException("depth", "depth must be between 1 and 4.");
        }

        if (double.IsNaN(minActivation) || minActivation is < 0 or > 1)
        {
            throw new MemoryValidationException("minActivation", "minActivation must be between 0 and 1.");
        }

        InputValidator.Limit(limit, _options);
        var state = await GetStateAsync(cancellationToken);
        var (index, _) = await FindAsync(state, id, cancellationToken);
        var now = Now();
        const double Decay = 0.8;
        return ReadLocked(index, i =>
        {
            var best = new Dictionary<string, Association>(StringComparer.Ordinal);
            var frontier = new List<(string Id, double Activation, int Hop)> { (id, 1.0, 0) };
            while (frontier.Count > 0)
            {
                var next = new List<(string, double, int)>();
                foreach (var (current, activation, hop) in frontier)
                {
                    if (hop >= depth)
                    {
                        continue;
                    }

                    foreach (var link in i.LinksOf(current, LinkDirection.Outgoing))
                    {
                        var neighbour = link.FromId == current ? link.ToId : link.FromId;
                        if (neighbour == id || i.Get(neighbour) is not { } record || !CanRead(state, record))
                        {
                            continue;
                        }

                        double passed = activation * EffectiveWeight(link, now) * Decay;
                        if (passed < minActivation || (best.TryGetValue(neighbour, out var known) && known.Activation >= passed))
                        {
                            continue;
                        }

                        best[neighbour] = new Association(record, Math.Round(passed, 6), hop + 1, link.Type, current);
                        next.Add((neighbour, passed, hop + 1));
                    }
                }

                frontier = next;
            }

            return best.Values.OrderByDescending(a => a.Activation).ThenBy(a => a.Memory.Id, StringComparer.Ordinal).Take(limit).ToList();
        });
    }
}
