using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Server.Mcp.KnowledgeGraph;

/// <summary>
/// The knowledge graph of one namespace as read from the engine: entity records, their observation facts and the
/// links between entities. Kept up to date by the writes made through <see cref="KnowledgeGraphStore"/> so a batch
/// (or an import) reads the namespace once.
/// </summary>
internal sealed class GraphSnapshot
{
    public List<MemoryRecord> Entities { get; } = [];

    public Dictionary<string, MemoryRecord> EntityByKey { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, MemoryRecord> EntityById { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, List<MemoryRecord>> ObservationsByKey { get; } = new(StringComparer.Ordinal);

    /// <summary>Relations between entities, by link id ("{fromId}|{type}|{toId}").</summary>
    public Dictionary<string, MemoryLink> Relations { get; } = new(StringComparer.Ordinal);

    /// <summary>The key entity names are matched by: case-, accent- and spacing-insensitive, as the engine does.</summary>
    public static string Key(string name) => TextAnalyzer.Normalize(name);

    public void AddEntity(MemoryRecord entity)
    {
        var key = Key(entity.Subject ?? string.Empty);
        if (EntityByKey.TryAdd(key, entity))
        {
            Entities.Add(entity);
            EntityById[entity.Id] = entity;
        }
    }

    /// <summary>Ids met at a relation's end that are not entities of the namespace.</summary>
    public HashSet<string> NotEntities { get; } = new(StringComparer.Ordinal);

    /// <summary>Makes an entity at the other end of a relation known by name and id, without listing it.</summary>
    public void AddNeighbour(MemoryRecord entity)
    {
        if (EntityByKey.TryAdd(Key(entity.Subject ?? string.Empty), entity))
        {
            EntityById[entity.Id] = entity;
        }
    }

    public void RemoveEntity(MemoryRecord entity)
    {
        var key = Key(entity.Subject ?? string.Empty);
        EntityByKey.Remove(key);
        EntityById.Remove(entity.Id);
        Entities.RemoveAll(e => e.Id == entity.Id);
        ObservationsByKey.Remove(key);
        foreach (var id in Relations.Where(r => r.Value.FromId == entity.Id || r.Value.ToId == entity.Id).Select(r => r.Key).ToList())
        {
            Relations.Remove(id);
        }
    }

    public void AddObservation(MemoryRecord fact)
    {
        var key = Key(fact.Subject ?? string.Empty);
        if (!ObservationsByKey.TryGetValue(key, out var list))
        {
            list = [];
            ObservationsByKey[key] = list;
        }

        list.Add(fact);
    }

    public IReadOnlyList<MemoryRecord> ObservationsOf(string key) =>
        ObservationsByKey.TryGetValue(key, out var list) ? list : [];
}
