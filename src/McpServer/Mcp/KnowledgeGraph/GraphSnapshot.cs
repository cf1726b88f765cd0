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

    /// <summary>The key of each known entity, by id (computed once per entity, not on every use).</summary>
    private Dictionary<string, string> KeyById { get; } = new(StringComparer.Ordinal);

    /// <summary>The key of an entity: the one it was added under, else its normalized name.</summary>
    public string KeyOf(MemoryRecord entity) => KeyById.TryGetValue(entity.Id, out var key) ? key : Key(entity.Subject ?? string.Empty);

    /// <summary>Adds an entity (once per key), under its normalized name or the <paramref name="key"/> already computed.</summary>
    public void AddEntity(MemoryRecord entity, string? key = null)
    {
        key ??= Key(entity.Subject ?? string.Empty);
        if (EntityByKey.TryAdd(key, entity))
        {
            Entities.Add(entity);
            EntityById[entity.Id] = entity;
            KeyById[entity.Id] = key;
        }
    }

    /// <summary>Ids met at a relation's end that are not entities of the namespace.</summary>
    public HashSet<string> NotEntities { get; } = new(StringComparer.Ordinal);

    /// <summary>Makes an entity at the other end of a relation known by name and id, without listing it.</summary>
    public void AddNeighbour(MemoryRecord entity)
    {
        var key = Key(entity.Subject ?? string.Empty);
        if (EntityByKey.TryAdd(key, entity))
        {
            EntityById[entity.Id] = entity;
            KeyById[entity.Id] = key;
        }
    }

    public void RemoveEntity(MemoryRecord entity)
    {
        var key = Key(entity.Subject ?? string.Empty);
        EntityByKey.Remove(key);
        EntityById.Remove(entity.Id);
        KeyById.Remove(entity.Id);
        Entities.RemoveAll(e => e.Id == entity.Id);
        ObservationsByKey.Remove(key);
        foreach (var id in Relations.Where(r => r.Value.FromId == entity.Id || r.Value.ToId == entity.Id).Select(r => r.Key).ToList())
        {
            Relations.Remove(id);
        }
    }

    /// <summary>Adds an observation fact under its subject's key (or the <paramref name="key"/> already computed).</summary>
    public void AddObservation(MemoryRecord fact, string? key = null)
    {
        key ??= Key(fact.Subject ?? string.Empty);
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
