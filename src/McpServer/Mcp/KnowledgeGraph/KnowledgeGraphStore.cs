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
    public const string ObservationPredicate = "observation";

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

    private const int MaxObjectLength = 500;

    public MemoryEngine Engine => engine;

    /// <summary>Reads the graph of a namespace.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="includeExpired">Also read facts whose validity ended (for deletes).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<GraphSnapshot> LoadAsync(string ns, bool includeExpired, CancellationToken cancellationToken)
    {
        var snapshot = new GraphSnapshot();
        var records = new List<MemoryRecord>();
        var filter = new MemoryFilter { Kinds = [MemoryKind.Semantic], IncludeExpired = includeExpired };
        string? cursor = null;
        do
        {
            var page = await engine.ListAsync(ns, filter, cursor, engine.Options.MaxResults, cancellationToken);
            records.AddRange(page.Items.Where(r => SemanticMemory.IsEntity(r) || (r.Predicate == ObservationPredicate && r.Subject is not null)));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // Pages come newest first; ids are time-ordered, so sorting by id gives the order the graph was written in.
        foreach (var record in records.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            if (SemanticMemory.IsEntity(record))
            {
                snapshot.AddEntity(record);
            }
            else
            {
                snapshot.AddObservation(record);
            }
        }

        foreach (var entity in snapshot.Entities)
        {
            IReadOnlyList<MemoryLink> links;
            try
            {
                links = await engine.GetLinksAsync(entity.Id, LinkDirection.Outgoing, cancellationToken: cancellationToken);
            }
            catch (MemoryNotFoundException)
            {
                continue; // deleted meanwhile
            }

            foreach (var link in links.Where(l => l.FromId == entity.Id && snapshot.EntityById.ContainsKey(l.ToId)).OrderBy(l => l.CreatedAt).ThenBy(l => l.Id, StringComparer.Ordinal))
            {
                snapshot.Relations[link.Id] = link;
            }
        }

        return snapshot;
    }

    public async Task<IReadOnlyList<GraphEntity>> CreateEntitiesAsync(string ns, IReadOnlyList<GraphEntity>? entities, CancellationToken cancellationToken)
    {
        var checkedEntities = CheckList(entities, "entities").Select((e, i) => CheckEntity(e, $"entities[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
        var created = new List<GraphEntity>();
        foreach (var entity in checkedEntities)
        {
            if (await CreateEntityAsync(snapshot, ns, entity, cancellationToken) is { } made)
            {
                created.Add(made);
            }
        }

        return created;
    }

    /// <summary>Creates an entity unless one with that name exists.</summary>
    /// <returns>The created entity, or null when it existed.</returns>
    public async Task<GraphEntity?> CreateEntityAsync(GraphSnapshot snapshot, string ns, GraphEntity entity, CancellationToken cancellationToken)
    {
        if (snapshot.EntityByKey.ContainsKey(GraphSnapshot.Key(entity.Name)))
        {
            return null;
        }

        var view = await semantic.UpsertEntityAsync(ns, entity.Name, entity.EntityType, cancellationToken: cancellationToken);
        snapshot.AddEntity(view.Entity);
        var added = await AddObservationsAsync(snapshot, ns, view.Entity, entity.Observations, cancellationToken);
        return new GraphEntity(entity.Name, entity.EntityType, added);
    }

    public async Task<IReadOnlyList<GraphRelation>> CreateRelationsAsync(string ns, IReadOnlyList<GraphRelation>? relations, CancellationToken cancellationToken)
    {
        var checkedRelations = CheckList(relations, "relations").Select((r, i) => CheckRelation(r, $"relations[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
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
            && snapshot.Relations.ContainsKey(MemoryLink.MakeId(from.Id, relation.RelationType, to.Id)))
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
        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
        foreach (var addition in checkedAdditions)
        {
            if (!snapshot.EntityByKey.ContainsKey(GraphSnapshot.Key(addition.EntityName)))
            {
                // The reference server's message, so clients that match on it keep working.
                throw new McpException($"Entity with name {addition.EntityName} not found");
            }
        }

        var results = new List<ObservationsAdded>();
        foreach (var addition in checkedAdditions)
        {
            var entity = snapshot.EntityByKey[GraphSnapshot.Key(addition.EntityName)];
            var added = await AddObservationsAsync(snapshot, ns, entity, addition.Contents, cancellationToken);
            results.Add(new ObservationsAdded(addition.EntityName, added));
        }

        return results;
    }

    /// <summary>Adds the observations an entity does not have yet.</summary>
    /// <returns>The observations added, in order.</returns>
    public async Task<IReadOnlyList<string>> AddObservationsAsync(GraphSnapshot snapshot, string ns, MemoryRecord entity, IReadOnlyList<string> observations, CancellationToken cancellationToken)
    {
        var name = entity.Subject!;
        var key = GraphSnapshot.Key(name);
        var existing = snapshot.ObservationsOf(key).Select(ObservationText).ToHashSet(StringComparer.Ordinal);
        var added = new List<string>();
        foreach (var observation in observations)
        {
            if (!existing.Add(observation))
            {
                continue;
            }

            var fact = await semantic.AddFactAsync(new NewFact
            {
                Namespace = ns,
                Subject = name,
                Predicate = ObservationPredicate,
                Object = ShortForm(observation),
                Content = $"{name}: {observation}",
                MultiValued = true,
            }, cancellationToken);
            snapshot.AddObservation(fact.Fact);
            added.Add(observation);
        }

        return added;
    }

    public async Task DeleteEntitiesAsync(string ns, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var checkedNames = CheckList(names, "entityNames").Select((n, i) => CheckName(n, $"entityNames[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, includeExpired: true, cancellationToken);
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
        var snapshot = await LoadAsync(ns, includeExpired: true, cancellationToken);
        foreach (var deletion in checkedDeletions)
        {
            var doomed = deletion.Observations.ToHashSet(StringComparer.Ordinal);
            foreach (var fact in snapshot.ObservationsOf(GraphSnapshot.Key(deletion.EntityName)).Where(f => doomed.Contains(ObservationText(f))).ToList())
            {
                await engine.ForgetAsync(fact.Id, cancellationToken: cancellationToken);
                snapshot.ObservationsByKey[GraphSnapshot.Key(deletion.EntityName)].Remove(fact);
            }
        }
    }

    public async Task DeleteRelationsAsync(string ns, IReadOnlyList<GraphRelation>? relations, CancellationToken cancellationToken)
    {
        var checkedRelations = CheckList(relations, "relations").Select((r, i) => CheckRelation(r, $"relations[{i}]")).ToList();
        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
        foreach (var relation in checkedRelations)
        {
            if (snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.From), out var from)
                && snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(relation.To), out var to))
            {
                await engine.UnlinkAsync(from.Id, to.Id, relation.RelationType, cancellationToken);
                snapshot.Relations.Remove(MemoryLink.MakeId(from.Id, relation.RelationType, to.Id));
            }
        }
    }

    public async Task<KnowledgeGraphResult> ReadGraphAsync(string ns, CancellationToken cancellationToken) =>
        ToGraph(await LoadAsync(ns, includeExpired: false, cancellationToken), null);

    /// <summary>
    /// Finds entities by a query: ranked by the engine's hybrid recall (meaning, keywords, typos) over entity names,
    /// types and observations, followed by the entities that contain the query as a substring (the reference server's
    /// rule), with the relations that touch any of them. An empty query returns the whole graph, as in the reference.
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

        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
        if (string.IsNullOrWhiteSpace(query))
        {
            return ToGraph(snapshot, null);
        }

        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        if (snapshot.Entities.Count > 0)
        {
            var hits = await engine.RecallAsync(new RecallQuery
            {
                Namespace = ns,
                Text = query,
                Limit = Math.Min(engine.Options.MaxResults, 200),
                Filter = new MemoryFilter { Kinds = [MemoryKind.Semantic] },
            }, cancellationToken);
            foreach (var hit in hits.Where(IsMatch))
            {
                if (hit.Memory.Subject is { } subject && snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(subject), out var entity))
                {
                    scores[entity.Id] = Math.Max(scores.GetValueOrDefault(entity.Id), hit.Score);
                }
            }
        }

        var ranked = snapshot.Entities.Where(e => scores.ContainsKey(e.Id)).OrderByDescending(e => scores[e.Id]).ToList();
        var needle = query.Trim();
        ranked.AddRange(snapshot.Entities.Where(e => !scores.ContainsKey(e.Id) && Contains(snapshot, e, needle)));
        return ToGraph(snapshot, ranked);
    }

    public async Task<KnowledgeGraphResult> OpenNodesAsync(string ns, IReadOnlyList<string>? names, CancellationToken cancellationToken)
    {
        var keys = CheckList(names, "names").Select((n, i) => GraphSnapshot.Key(CheckName(n, $"names[{i}]"))).ToHashSet(StringComparer.Ordinal);
        var snapshot = await LoadAsync(ns, includeExpired: false, cancellationToken);
        return ToGraph(snapshot, snapshot.Entities.Where(e => keys.Contains(GraphSnapshot.Key(e.Subject!))).ToList());
    }

    /// <summary>The text of an observation fact: its content after "{name}: ", or its object.</summary>
    public static string ObservationText(MemoryRecord fact)
    {
        var prefix = fact.Subject + ": ";
        return fact.Content.StartsWith(prefix, StringComparison.Ordinal) ? fact.Content[prefix.Length..] : fact.Object ?? fact.Content;
    }

    public static GraphEntity ToEntity(GraphSnapshot snapshot, MemoryRecord entity) =>
        new(entity.Subject!, entity.Object ?? "thing", snapshot.ObservationsOf(GraphSnapshot.Key(entity.Subject!)).Select(ObservationText).ToList());

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
        hit.Explanation is { } why && (why.KeywordRank is not null || why.FuzzyRank is not null || why.VectorSimilarity >= MinVectorSimilarity);

    private static bool Contains(GraphSnapshot snapshot, MemoryRecord entity, string needle) =>
        entity.Subject!.Contains(needle, StringComparison.OrdinalIgnoreCase)
        || (entity.Object ?? string.Empty).Contains(needle, StringComparison.OrdinalIgnoreCase)
        || snapshot.ObservationsOf(GraphSnapshot.Key(entity.Subject!)).Any(o => ObservationText(o).Contains(needle, StringComparison.OrdinalIgnoreCase));

    /// <summary>A graph of the given entities (all when null) and the relations that touch any of them.</summary>
    private static KnowledgeGraphResult ToGraph(GraphSnapshot snapshot, IReadOnlyList<MemoryRecord>? entities)
    {
        entities ??= snapshot.Entities;
        var ids = entities.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        var relations = snapshot.Relations.Values
            .Where(l => entities == snapshot.Entities || ids.Contains(l.FromId) || ids.Contains(l.ToId))
            .Select(l => new GraphRelation(snapshot.EntityById[l.FromId].Subject!, snapshot.EntityById[l.ToId].Subject!, l.Type))
            .ToList();
        return new KnowledgeGraphResult(entities.Select(e => ToEntity(snapshot, e)).ToList(), relations);
    }

    /// <summary>A single-line, bounded form of an observation for the fact's object (the full text is the content).</summary>
    private static string ShortForm(string observation)
    {
        var builder = new StringBuilder(Math.Min(observation.Length, MaxObjectLength + 1));
        bool gap = false;
        foreach (var c in observation)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                gap = builder.Length > 0;
                continue;
            }

            if (gap)
            {
                builder.Append(' ');
                gap = false;
            }

            builder.Append(c);
            if (builder.Length >= MaxObjectLength)
            {
                return builder.Append('…').ToString();
            }
        }

        return builder.ToString();
    }
}
