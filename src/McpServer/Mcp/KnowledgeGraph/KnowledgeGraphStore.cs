using System.Globalization;
using System.Text;
using KernelMemoryPlus.Server.Mcp.Contracts;
using ModelContextProtocol;

namespace KernelMemoryPlus.Server.Mcp.KnowledgeGraph;

/// <summary>
/// The knowledge graph of the reference MCP memory server, kept in the engine: an entity is a
/// <see cref="SemanticMemory"/> entity record (subject = name, object = type), each observation a multi-valued
/// "observation" fact about it, and each relation a typed link between two entity records.
/// </summary>
/// <remarks>
/// Names are matched the way the engine matches subjects (case-, accent- and spacing-insensitive), so "Alice" and
/// "alice" are one entity. Relation types are stored in lower snake case ("works at" becomes "works_at").
/// An observation longer than a fact's object allows keeps its full text in the fact's content.
/// </remarks>
internal sealed class KnowledgeGraphStore(MemoryEngine engine, SemanticMemory semantic)
{
    public const string ObservationPredicate = SemanticMemory.ObservationPredicate;

    /// <summary>Most items one call may carry.</summary>
    public const int MaxItems = 1_000;

    /// <summary>Longest entity name or type (the engine's limit for a fact's subject and object).</summary>
    public const int MaxNameLength = 512;

    /// <summary>Longest relation type (the engine's limit for a link type).</summary>
    public const int MaxRelationTypeLength = 64;

    /// <summary>Longest search query.</summary>
    public const int MaxQueryLength = 4_096;

    /// <summary>
    /// A recall hit with no keyword or typo-tolerant match counts as a search hit only when its vector is at least this
    /// similar to the query's: below it, dense retrieval returns whatever is least far, not what matches.
    /// </summary>
    public const double MinVectorSimilarity = 0.5;

    /// <summary>
    /// Most memories the ranked part of a search reads (observations of one entity count separately); the
    /// substring part of a search adds every entity that contains the query as written.
    /// </summary>
    public const int MaxRankedHits = 20;

    public MemoryEngine Engine => engine;

    /// <summary>
    /// Reads the graph of a namespace, or the part of it a call needs: the named entities with their observations
    /// and every relation that touches them (the entities at the other end are known by name, without their
    /// observations). One consistent read of the engine's subject index, not a scan of the namespace.
    /// </summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="names">The entities a call is about, or null for the whole graph.</param>
    /// <param name="includeExpired">Also read facts whose validity ended (for deletes).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<GraphSnapshot> LoadAsync(string ns, IEnumerable<string>? names, bool includeExpired, CancellationToken cancellationToken)
    {
        var views = await semantic.GetEntitiesAsync(ns, names, includeExpired, cancellationToken: cancellationToken);
        return await SnapshotOfAsync(ns, views.Select(v => (GraphSnapshot.Key(v.Entity.Subject ?? string.Empty), v)).ToList(), cancellationToken);
    }

    /// <summary>A snapshot of entities read from the engine (each with its key) and the relations among known entities.</summary>
    private async Task<GraphSnapshot> SnapshotOfAsync(string ns, IReadOnlyList<(string Key, EntityView View)> views, CancellationToken cancellationToken)
    {
        var snapshot = new GraphSnapshot();
        foreach (var (key, view) in views)
        {
            snapshot.AddEntity(view.Entity, key);
            foreach (var fact in view.Facts)
            {
                if (fact.Predicate == ObservationPredicate)
                {
                    snapshot.AddObservation(fact, key);
                }
            }
        }

        var links = views.SelectMany(v => v.View.Relations).DistinctBy(l => l.Id).OrderBy(l => l.CreatedAt).ThenBy(l => l.Id, StringComparer.Ordinal).ToList();
        foreach (var link in links)
        {
            if (await KnownEntityAsync(snapshot, ns, link.FromId, cancellationToken) && await KnownEntityAsync(snapshot, ns, link.ToId, cancellationToken))
            {
                snapshot.Relations[link.Id] = link;
            }
        }

        return snapshot;
    }

    /// <summary>True when an id is an entity of the namespace, which is then known to the snapshot by name.</summary>
    private async Task<bool> KnownEntityAsync(GraphSnapshot snapshot, string ns, string id, CancellationToken cancellationToken)
    {
        if (snapshot.EntityById.ContainsKey(id))
        {
            return true;
        }

        if (snapshot.NotEntities.Contains(id))
        {
            return false;
        }

        if (await engine.GetAsync(id, cancellationToken) is { } record && record.Namespace == ns && SemanticMemory.IsEntity(record) && record.ValidTo is null)
        {
            snapshot.AddNeighbour(record);
            return true;
        }

        snapshot.NotEntities.Add(id);
        return false;
    }

    public async Task<IReadOnlyList<GraphEntity>> CreateEntitiesAsync(string ns, IReadOnlyList<GraphEntity>? entities, CancellationToken cancellationToken)
    {
        var checkedEntities = CheckList(entities, "entities").Select((e, i) => CheckEntity(e, $"entities[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedEntities.Select(e => e.Name), includeExpired: false, cancellationToken);

        // As in the reference, an entity whose name exists is left alone (observations included); a name given twice
        // counts once, the first time.
        var fresh = checkedEntities.Where(e => !snapshot.EntityByKey.ContainsKey(GraphSnapshot.Key(e.Name)))
            .DistinctBy(e => GraphSnapshot.Key(e.Name)).ToList();
        if (fresh.Count == 0)
        {
            return [];
        }

        var results = await semantic.UpsertEntitiesAsync(ns, fresh.Select(e => new NewEntity(e.Name, e.EntityType, e.Observations)).ToList(), cancellationToken: cancellationToken);
        return fresh.Zip(results).Where(p => p.Second.Created).Select(p => new GraphEntity(p.First.Name, p.First.EntityType, p.Second.AddedObservations)).ToList();
    }

    /// <summary>Creates an entity unless one with that name exists.</summary>
    /// <returns>The created entity, or null when it existed.</returns>
    public async Task<GraphEntity?> CreateEntityAsync(GraphSnapshot snapshot, string ns, GraphEntity entity, CancellationToken cancellationToken)
    {
        if (snapshot.EntityByKey.ContainsKey(GraphSnapshot.Key(entity.Name)))
        {
            return null;
        }

        var result = (await semantic.UpsertEntitiesAsync(ns, [new NewEntity(entity.Name, entity.EntityType, entity.Observations)], cancellationToken: cancellationToken))[0];
        snapshot.AddEntity(result.Entity);
        return result.Created ? new GraphEntity(entity.Name, entity.EntityType, result.AddedObservations) : null;
    }

    public async Task<IReadOnlyList<GraphRelation>> CreateRelationsAsync(string ns, IReadOnlyList<GraphRelation>? relations, CancellationToken cancellationToken)
    {
        var checkedRelations = CheckList(relations, "relations").Select((r, i) => CheckRelation(r, $"relations[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedRelations.SelectMany(r => new[] { r.From, r.To }), includeExpired: false, cancellationToken);
        var created = new List<GraphRelation>();
        foreach (var relation in checkedRelations)
        {
            if (await CreateRelationAsync(snapshot, ns, relation, cancellationToken))
            {
                created.Add(relation);
            }
        }

        return created;
    }

    /// <summary>Creates a relation (and any missing entity, typed "thing") unless it exists.</summary>
    /// <returns>True when the relation was created.</returns>
    public async Task<bool> CreateRelationAsync(GraphSnapshot snapshot, string ns, GraphRelation relation, CancellationToken cancellationToken)
    {
        if (snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.From), out var from)
            && snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.To), out var to)
            && snapshot.Relations.Values.Any(l => l.FromId == from.Id && l.ToId == to.Id && l.Type == relation.RelationType))
        {
            return false;
        }

        var link = await semantic.RelateAsync(ns, relation.From, relation.RelationType, relation.To, cancellationToken: cancellationToken);
        foreach (var id in new[] { link.FromId, link.ToId })
        {
            if (!snapshot.EntityById.ContainsKey(id) && await engine.GetAsync(id, cancellationToken) is { } made)
            {
                snapshot.AddEntity(made);
            }
        }

        snapshot.Relations[link.Id] = link;
        return true;
    }

    public async Task<IReadOnlyList<ObservationsAdded>> AddObservationsAsync(string ns, IReadOnlyList<ObservationAddition>? additions, CancellationToken cancellationToken)
    {
        var checkedAdditions = CheckList(additions, "observations").Select((a, i) => CheckAddition(a, $"observations[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedAdditions.Select(a => a.EntityName), includeExpired: false, cancellationToken);
        foreach (var addition in checkedAdditions)
        {
            if (!snapshot.EntityByKey.ContainsKey(GraphSnapshot.Key(addition.EntityName)))
            {
                // The reference server's message, so clients that match on it keep working.
                throw new McpException($"Entity with name {addition.EntityName} not found");
            }
        }

        var results = await semantic.UpsertEntitiesAsync(
            ns,
            checkedAdditions.Select(a => new NewEntity(a.EntityName, snapshot.EntityByKey[GraphSnapshot.Key(a.EntityName)].Object ?? "thing", a.Contents)).ToList(),
            cancellationToken: cancellationToken);
        var added = results.ToDictionary(r => GraphSnapshot.Key(r.Entity.Subject!), r => r.AddedObservations, StringComparer.Ordinal);

        // An entity named in two additions got both lists at once: report its additions on the first.
        var reported = new HashSet<string>(StringComparer.Ordinal);
        return checkedAdditions.Select(a =>
        {
            var key = GraphSnapshot.Key(a.EntityName);
            return new ObservationsAdded(a.EntityName, reported.Add(key) ? added.GetValueOrDefault(key) ?? [] : []);
        }).ToList();
    }

    /// <summary>Adds the observations an entity does not have yet.</summary>
    /// <returns>The observations added, in order.</returns>
    public async Task<IReadOnlyList<string>> AddObservationsToAsync(string ns, MemoryRecord entity, IReadOnlyList<string> observations, CancellationToken cancellationToken)
    {
        var result = (await semantic.UpsertEntitiesAsync(ns, [new NewEntity(entity.Subject!, entity.Object ?? "thing", observations)], cancellationToken: cancellationToken))[0];
        return result.AddedObservations;
    }

    public async Task DeleteEntitiesAsync(string ns, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var checkedNames = CheckList(names, "entityNames").Select((n, i) => CheckName(n, $"entityNames[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedNames, includeExpired: true, cancellationToken);
        foreach (var name in checkedNames)
        {
            var key = GraphSnapshot.Key(name);
            if (!snapshot.EntityByKey.TryGetValue(key, out var entity))
            {
                continue;
            }

            foreach (var observation in snapshot.ObservationsOf(key))
            {
                await engine.ForgetAsync(observation.Id, cancellationToken: cancellationToken);
            }

            // Forgetting the entity record removes its links, that is its relations in both directions.
            await engine.ForgetAsync(entity.Id, cancellationToken: cancellationToken);
            snapshot.RemoveEntity(entity);
        }
    }

    public async Task DeleteObservationsAsync(string ns, IReadOnlyList<ObservationDeletion>? deletions, CancellationToken cancellationToken)
    {
        var checkedDeletions = CheckList(deletions, "deletions").Select((d, i) => CheckDeletion(d, $"deletions[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedDeletions.Select(d => d.EntityName), includeExpired: true, cancellationToken);
        foreach (var deletion in checkedDeletions)
        {
            var doomed = deletion.Observations.ToHashSet(StringComparer.Ordinal);
            foreach (var fact in snapshot.ObservationsOf(GraphSnapshot.Key(deletion.EntityName)).Where(f => doomed.Contains(SemanticMemory.ObservationText(f))).ToList())
            {
                await engine.ForgetAsync(fact.Id, cancellationToken: cancellationToken);
                snapshot.ObservationsByKey[GraphSnapshot.Key(deletion.EntityName)].Remove(fact);
            }
        }
    }

    public async Task DeleteRelationsAsync(string ns, IReadOnlyList<GraphRelation>? relations, CancellationToken cancellationToken)
    {
        var checkedRelations = CheckList(relations, "relations").Select((r, i) => CheckRelation(r, $"relations[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedRelations.SelectMany(r => new[] { r.From, r.To }), includeExpired: false, cancellationToken);
        foreach (var relation in checkedRelations)
        {
            if (snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.From), out var from)
                && snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.To), out var to))
            {
                await engine.UnlinkAsync(from.Id, to.Id, relation.RelationType, cancellationToken);
                foreach (var id in snapshot.Relations.Values.Where(l => l.FromId == from.Id && l.ToId == to.Id && l.Type == relation.RelationType).Select(l => l.Id).ToList())
                {
                    snapshot.Relations.Remove(id);
                }
            }
        }
    }

    public async Task<KnowledgeGraphResult> ReadGraphAsync(string ns, CancellationToken cancellationToken) =>
        ToGraph(await LoadAsync(ns, null, includeExpired: false, cancellationToken), null);

    /// <summary>
    /// Finds entities by a query: the entities that contain the query as written (the reference server's rule) first —
    /// the one of that name, then names holding it, then types and observations holding it — then the other hits of
    /// the engine's hybrid recall (keywords, typos, and meaning with an embedding model) over entity names, types and
    /// observations; each group best first, with the relations that touch any of them. An empty query returns the
    /// whole graph, as in the reference.
    /// </summary>
    public async Task<KnowledgeGraphResult> SearchAsync(string ns, string? query, CancellationToken cancellationToken)
    {
        if (query is null)
        {
            throw new McpException("The query is required.");
        }

        if (query.Length > MaxQueryLength || query.Contains('\0', StringComparison.Ordinal))
        {
            throw new McpException($"The query must be at most {MaxQueryLength} characters without NUL characters.");
        }

        if (string.IsNullOrWhiteSpace(query))
        {
            return ToGraph(await LoadAsync(ns, null, includeExpired: false, cancellationToken), null);
        }

        // The ranked part: the best recall score of each entity among its own record and its observations.
        // A date in a graph query is about the observations' text, not about when an entity was stored: no
        // time-anchored ranking. With the built-in lexical embedder the dense ranking repeats the keyword one
        // (measured: the same answers without it, at half the cost of a search); a real embedding model keeps it.
        var weights = engine.Options.Weights with { Time = 0 };
        if (engine.EmbedderIsLexical && weights is { Keyword: > 0 } or { Fuzzy: > 0 })
        {
            weights = weights with { Vector = 0 };
        }

        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        var hits = await engine.RecallAsync(new RecallQuery
        {
            Namespace = ns,
            Text = query,
            Limit = Math.Min(engine.Options.MaxResults, MaxRankedHits),

            // A lookup in the graph, not a use of the memories: their access statistics stay as they are (and no
            // write-back follows every search).
            TrackAccess = false,
            Weights = weights,
        }, cancellationToken);
        foreach (var hit in hits.Where(IsMatch))
        {
            if (hit.Memory.Subject is { } subject && (SemanticMemory.IsEntity(hit.Memory) || hit.Memory.Predicate == ObservationPredicate))
            {
                var key = GraphSnapshot.Key(subject);
                scores[key] = Math.Max(scores.GetValueOrDefault(key), hit.Score);
            }
        }

        // An entity holding the query as written is the strongest match there is: the one named so first, then those
        // whose name holds it, then those holding it in their type or an observation — each group by rank where the
        // ranked part found them too — then the ranked rest.
        var matches = await semantic.FindEntitiesAsync(ns, query.Trim(), scores.Keys, cancellationToken);
        var queryKey = GraphSnapshot.Key(query);
        var order = new List<(EntityMatch Match, int Tier, double Score)>(matches.Count);
        foreach (var match in matches)
        {
            int tier = match.Key == queryKey ? 0 : !match.ContainsText ? 3 : match.Key.Contains(queryKey, StringComparison.Ordinal) ? 1 : 2;
            order.Add((match, tier, scores.GetValueOrDefault(match.Key, -1)));
        }

        order.Sort(static (a, b) =>
        {
            int c = a.Tier.CompareTo(b.Tier);
            c = c != 0 ? c : b.Score.CompareTo(a.Score);
            return c != 0 ? c : string.CompareOrdinal(a.Match.View.Entity.Id, b.Match.View.Entity.Id);
        });

        if (order.TrueForAll(o => o.Match.View.Relations.Count == 0))
        {
            // No relations to resolve: the answer straight from the views.
            return new KnowledgeGraphResult(order.ConvertAll(o => ToEntity(o.Match.View.Entity, o.Match.View.Facts)), []);
        }

        var snapshot = await SnapshotOfAsync(ns, order.ConvertAll(o => (o.Match.Key, o.Match.View)), cancellationToken);
        return ToGraph(snapshot, order.ConvertAll(o => o.Match.View.Entity));
    }

    public async Task<KnowledgeGraphResult> OpenNodesAsync(string ns, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var checkedNames = CheckList(names, "names").Select((n, i) => CheckName(n, $"names[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, checkedNames, includeExpired: false, cancellationToken);
        return ToGraph(snapshot, snapshot.Entities.OrderBy(e => e.Id, StringComparer.Ordinal).ToList());
    }

    public static GraphEntity ToEntity(GraphSnapshot snapshot, MemoryRecord entity) => ToEntity(entity, snapshot.ObservationsOf(snapshot.KeyOf(entity)));

    /// <summary>An entity as the reference server shows it: its name, type and the text of its observation facts, in order.</summary>
    private static GraphEntity ToEntity(MemoryRecord entity, IReadOnlyList<MemoryRecord> facts)
    {
        var observations = new List<string>(facts.Count);
        foreach (var fact in facts)
        {
            if (fact.Predicate == ObservationPredicate)
            {
                observations.Add(SemanticMemory.ObservationText(fact));
            }
        }

        return new GraphEntity(entity.Subject!, entity.Object ?? "thing", observations);
    }

    public GraphEntity CheckEntity(GraphEntity? entity, string field)
    {
        if (entity is null)
        {
            throw new McpException($"{field}: an entity object is required.");
        }

        var name = CheckName(entity.Name, field + ".name");
        var type = CheckName(entity.EntityType, field + ".entityType");
        var observations = CheckObservations(entity.Observations ?? [], field + ".observations", name);
        return new GraphEntity(name, type, observations);
    }

    public static GraphRelation CheckRelation(GraphRelation? relation, string field)
    {
        if (relation is null)
        {
            throw new McpException($"{field}: a relation object is required.");
        }

        var from = CheckName(relation.From, field + ".from");
        var to = CheckName(relation.To, field + ".to");
        var type = NormalizeRelationType(relation.RelationType, field + ".relationType");
        if (GraphSnapshot.Key(from) == GraphSnapshot.Key(to))
        {
            throw new McpException($"{field}: an entity cannot be related to itself.");
        }

        return new GraphRelation(from, to, type);
    }

    public static string CheckName(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new McpException($"{field} is required and must not be empty.");
        }

        var trimmed = value.Trim();
        if (trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
        {
            throw new McpException($"{field} must be at most {MaxNameLength} characters on one line.");
        }

        return trimmed;
    }

    /// <summary>Relation types become lower snake case: "Works At" is stored as "works_at".</summary>
    public static string NormalizeRelationType(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new McpException($"{field} is required and must not be empty.");
        }

        var builder = new StringBuilder(value.Length);
        bool gap = false;
        foreach (var c in value.Trim())
        {
            if (char.IsWhiteSpace(c))
            {
                gap = true;
                continue;
            }

            if (gap)
            {
                builder.Append('_');
                gap = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        var type = builder.ToString();
        if (type.Length > MaxRelationTypeLength || !type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':'))
        {
            throw new McpException($"{field} must be 1 to {MaxRelationTypeLength} ASCII letters, digits, '_', '-' or ':' (spaces become '_').");
        }

        return type;
    }

    private ObservationAddition CheckAddition(ObservationAddition? addition, string field)
    {
        if (addition is null)
        {
            throw new McpException($"{field}: an object with entityName and contents is required.");
        }

        var name = CheckName(addition.EntityName, field + ".entityName");
        return new ObservationAddition(name, CheckObservations(addition.Contents ?? [], field + ".contents", name));
    }

    private static ObservationDeletion CheckDeletion(ObservationDeletion? deletion, string field)
    {
        if (deletion is null)
        {
            throw new McpException($"{field}: an object with entityName and observations is required.");
        }

        var name = CheckName(deletion.EntityName, field + ".entityName");
        return new ObservationDeletion(name, CheckList(deletion.Observations, field + ".observations").Select((o, i) => o ?? throw new McpException($"{field}.observations[{i}] must be a string.")).ToList());
    }

    private List<string> CheckObservations(IReadOnlyList<string> observations, string field, string name)
    {
        if (observations.Count > MaxItems)
        {
            throw new McpException($"{field}: at most {MaxItems} observations per call.");
        }

        int max = engine.Options.MaxContentLength - name.Length - 2;
        var result = new List<string>(observations.Count);
        for (int i = 0; i < observations.Count; i++)
        {
            var observation = observations[i];
            if (string.IsNullOrWhiteSpace(observation))
            {
                throw new McpException($"{field}[{i}] must not be empty.");
            }

            if (observation.Length > max || observation.Contains('\0', StringComparison.Ordinal))
            {
                throw new McpException($"{field}[{i}] is {observation.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {max.ToString(CultureInfo.InvariantCulture)} are allowed (no NUL characters).");
            }

            result.Add(observation);
        }

        return result;
    }

    private static IReadOnlyList<T> CheckList<T>(IReadOnlyList<T>? items, string field)
    {
        if (items is null)
        {
            throw new McpException($"{field} is required: pass an array.");
        }

        if (items.Count > MaxItems)
        {
            throw new McpException($"{field} holds {items.Count.ToString(CultureInfo.InvariantCulture)} items; at most {MaxItems} are allowed per call.");
        }

        return items;
    }

    private static bool IsMatch(RecallResult hit) =>
        hit.Explanation is { } why && (why.KeywordRank is not null || why.FuzzyRank is not null || why.TimeRank is not null || why.VectorSimilarity >= MinVectorSimilarity);

    /// <summary>A graph of the given entities (all when null) and the relations that touch any of them.</summary>
    private static KnowledgeGraphResult ToGraph(GraphSnapshot snapshot, IReadOnlyList<MemoryRecord>? entities)
    {
        entities ??= snapshot.Entities;
        var graphEntities = entities.Select(e => ToEntity(snapshot, e)).ToList();
        if (snapshot.Relations.Count == 0)
        {
            return new KnowledgeGraphResult(graphEntities, []);
        }

        var ids = entities.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var relations = snapshot.Relations.Values
            .Where(l => entities == snapshot.Entities || ids.Contains(l.FromId) || ids.Contains(l.ToId))
            .Select(l => new GraphRelation(snapshot.EntityById[l.FromId].Subject!, snapshot.EntityById[l.ToId].Subject!, l.Type))
            .ToList();
        return new KnowledgeGraphResult(graphEntities, relations);
    }
}
