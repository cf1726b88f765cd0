using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus;

/// <summary>
/// Semantic memory: facts about entities forming a network. A new value for the same subject and predicate (or
/// an explicit supersedes) closes the old fact's validity instead of deleting it, so "what was true on date X"
/// stays answerable.
/// </summary>
/// <param name="engine">The engine.</param>
public sealed class SemanticMemory(MemoryEngine engine)
{
    /// <summary>Metadata key marking entity records.</summary>
    public const string EntityMarkerKey = "kmp.entity";

    /// <summary>The predicate of observation facts (multi-valued statements about an entity).</summary>
    public const string ObservationPredicate = "observation";

    private const int MaxObjectLength = 500;

    /// <summary>Stores a fact, superseding the current fact with the same subject and predicate unless multi-valued.</summary>
    /// <param name="fact">The fact.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored fact and the facts it superseded.</returns>
    public async Task<FactResult> AddFactAsync(NewFact fact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var subject = InputValidator.ShortText(fact.Subject, "subject", required: true)!;
        var predicate = MemoryEngine.NormalizePredicate(fact.Predicate, "predicate");
        var value = InputValidator.ShortText(fact.Object, "object", required: true)!;
        var subjectKey = TextAnalyzer.Normalize(subject);
        var content = fact.Content ?? $"{subject} {predicate.Replace('_', ' ')} {value}";
        var (created, replaced) = await engine.RememberReplacingAsync(
            new NewMemory
            {
                Namespace = fact.Namespace,
                Content = content,
                Kind = MemoryKind.Semantic,
                Subject = subject,
                Predicate = predicate,
                Object = value,
                ValidFrom = fact.ValidFrom ?? engine.Now(),
                Tags = fact.Tags,
                Metadata = fact.Metadata,
                Importance = fact.Importance,
                Private = fact.Private,
                Author = fact.Author,
            },
            r => !fact.MultiValued && r.Kind == MemoryKind.Semantic && r.Predicate == predicate && !IsEntity(r),
            fact.Supersedes,
            null,
            subjectKey,
            cancellationToken);
        return new FactResult(created, replaced);
    }

    /// <summary>Facts about a subject, valid now or at a given moment.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="predicate">Only this predicate.</param>
    /// <param name="asOf">The moment (default now): what was true then.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> GetFactsAsync(string ns, string subject, string? predicate = null, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        var subjectKey = TextAnalyzer.Normalize(InputValidator.ShortText(subject, "subject", required: true)!);
        var normalizedPredicate = predicate is null ? null : MemoryEngine.NormalizePredicate(predicate, "predicate");
        var at = asOf ?? engine.Now();
        var facts = await engine.SubjectSnapshotAsync(
            ns,
            subjectKey,
            r => IsFactAt(r, normalizedPredicate, at),
            cancellationToken);
        return facts.OrderBy(f => f.Predicate, StringComparer.Ordinal).ThenByDescending(f => f.ValidFrom ?? f.CreatedAt).ToList();
    }

    /// <summary>Every value a subject's predicate has had, oldest first, superseded ones included.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="subject">The subject.</param>
    /// <param name="predicate">The predicate.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> GetHistoryAsync(string ns, string subject, string predicate, CancellationToken cancellationToken = default)
    {
        var subjectKey = TextAnalyzer.Normalize(InputValidator.ShortText(subject, "subject", required: true)!);
        var normalizedPredicate = MemoryEngine.NormalizePredicate(predicate, "predicate");
        var facts = await engine.SubjectSnapshotAsync(
            ns,
            subjectKey,
            r => r.Kind == MemoryKind.Semantic && r.Predicate == normalizedPredicate,
            cancellationToken);
        return facts.OrderBy(f => f.ValidFrom ?? f.CreatedAt).ThenBy(f => f.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Creates an entity, or returns the existing one with that name (adding any new observations as facts).</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The entity's name.</param>
    /// <param name="entityType">Its type ("person", "project").</param>
    /// <param name="observations">Statements about it, stored as multi-valued "observation" facts.</param>
    /// <param name="author">Who created it.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<EntityView> UpsertEntityAsync(string ns, string name, string entityType = "thing", IReadOnlyList<string>? observations = null, string? author = null, CancellationToken cancellationToken = default)
    {
        var result = (await UpsertEntitiesAsync(ns, [new NewEntity(name, entityType, observations)], author, cancellationToken))[0];
        return await GetEntityAsync(ns, result.Entity.Subject!, cancellationToken: cancellationToken) ?? throw new MemoryNotFoundException(result.Entity.Id);
    }

    /// <summary>
    /// Creates the entities that do not exist yet and adds the observations each does not have yet, in one
    /// transaction per <see cref="KernelMemoryPlusOptions.MaxBatchSize"/> records. An existing entity keeps its type.
    /// Names are matched case-, accent- and spacing-insensitively; an entity named twice is created once, with the
    /// observations of both.
    /// </summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="entities">The entities.</param>
    /// <param name="author">Who wrote them.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>One result per distinct entity, in input order.</returns>
    public async Task<IReadOnlyList<EntityUpsert>> UpsertEntitiesAsync(string ns, IReadOnlyList<NewEntity> entities, string? author = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entities);
        InputValidator.Namespace(ns);
        InputValidator.ShortText(author, "author");
        var distinct = new List<(string Key, string Name, string Type, List<string> Observations)>();
        var byKey = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < entities.Count; i++)
        {
            var entity = entities[i] ?? throw new MemoryValidationException($"entities[{i}]", "An entity is required.");
            var name = InputValidator.ShortText(entity.Name, $"entities[{i}].name", required: true)!;
            var type = InputValidator.ShortText(entity.EntityType, $"entities[{i}].entityType", required: true)!;
            var key = TextAnalyzer.Normalize(name);
            if (!byKey.TryGetValue(key, out int at))
            {
                at = distinct.Count;
                byKey[key] = at;
                distinct.Add((key, name, type, []));
            }

            foreach (var observation in entity.Observations ?? [])
            {
                if (string.IsNullOrWhiteSpace(observation))
                {
                    throw new MemoryValidationException($"entities[{i}].observations", "An observation must not be empty.");
                }

                if (!distinct[at].Observations.Contains(observation, StringComparer.Ordinal))
                {
                    distinct[at].Observations.Add(observation);
                }
            }
        }

        var now = engine.Now();
        var memories = new List<NewMemory>();
        var owners = new List<(int Entity, string? Observation)>();
        var entityAt = new int[distinct.Count];
        foreach (var (entity, index) in distinct.Select((e, i) => (e, i)))
        {
            entityAt[index] = memories.Count;
            memories.Add(new NewMemory
            {
                Namespace = ns,
                Content = $"{entity.Name} ({entity.Type})",
                Kind = MemoryKind.Semantic,
                Subject = entity.Name,
                Object = entity.Type,
                Metadata = new Dictionary<string, string> { [EntityMarkerKey] = "true" },
                Author = author,
            });
            owners.Add((index, null));
            foreach (var observation in entity.Observations)
            {
                memories.Add(new NewMemory
                {
                    Namespace = ns,
                    Content = $"{entity.Name}: {observation}",
                    Kind = MemoryKind.Semantic,
                    Subject = entity.Name,
                    Predicate = ObservationPredicate,
                    Object = ShortForm(observation),
                    ValidFrom = now,
                    Author = author,
                });
                owners.Add((index, observation));
            }
        }

        var created = new List<MemoryRecord?>(memories.Count);
        int chunk = engine.Options.MaxBatchSize;
        for (int start = 0; start < memories.Count; start += chunk)
        {
            created.AddRange(await engine.RememberUniqueAsync(memories.GetRange(start, Math.Min(chunk, memories.Count - start)), Exists, cancellationToken));
        }

        var existing = await GetEntitiesAsync(ns, distinct.Where((e, i) => created[entityAt[i]] is null).Select(e => e.Name), cancellationToken: cancellationToken);
        var existingByKey = existing.ToDictionary(v => TextAnalyzer.Normalize(v.Entity.Subject!), v => v.Entity, StringComparer.Ordinal);
        var results = new List<EntityUpsert>(distinct.Count);
        for (int i = 0; i < distinct.Count; i++)
        {
            var record = created[entityAt[i]] ?? existingByKey.GetValueOrDefault(distinct[i].Key) ?? throw new MemoryNotFoundException(distinct[i].Name);
            var added = new List<string>();
            for (int j = entityAt[i] + 1; j < owners.Count && owners[j].Entity == i; j++)
            {
                if (created[j] is not null)
                {
                    added.Add(owners[j].Observation!);
                }
            }

            results.Add(new EntityUpsert(record, created[entityAt[i]] is not null, added));
        }

        return results;

        static bool Exists(NamespaceIndex index, MemoryRecord record)
        {
            var key = TextAnalyzer.Normalize(record.Subject!);
            if (IsEntity(record))
            {
                return index.BySubject(key).Any(IsEntity);
            }

            var text = ObservationText(record);
            return index.BySubject(key).Any(r => r.Predicate == ObservationPredicate && r.ValidTo is null && ObservationText(r) == text);
        }
    }

    /// <summary>The text of an observation fact: its content after "{subject}: ", or its object.</summary>
    /// <param name="fact">The observation fact.</param>
    public static string ObservationText(MemoryRecord fact)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var content = fact.Content;
        if (fact.Subject is { } subject && content.Length >= subject.Length + 2 && content.StartsWith(subject, StringComparison.Ordinal)
            && content[subject.Length] == ':' && content[subject.Length + 1] == ' ')
        {
            return content[(subject.Length + 2)..];
        }

        return fact.Object ?? content;
    }

    /// <summary>Relates two entities with a typed, weighted link; creates entities that do not exist yet.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="from">The source entity's name.</param>
    /// <param name="relation">The relation ("works_at").</param>
    /// <param name="to">The target entity's name.</param>
    /// <param name="weight">Strength 0..1.</param>
    /// <param name="author">Who related them.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<MemoryLink> RelateAsync(string ns, string from, string relation, string to, double weight = 1.0, string? author = null, CancellationToken cancellationToken = default)
    {
        // Everything is checked before the entities are created, so a rejected relation leaves nothing behind.
        InputValidator.Namespace(ns);
        var type = InputValidator.LinkType(relation?.Replace(' ', '_'), "relation");
        InputValidator.Weight(weight);
        var fromName = InputValidator.ShortText(from, "from", required: true)!;
        var toName = InputValidator.ShortText(to, "to", required: true)!;
        InputValidator.ShortText(author, "author");
        if (TextAnalyzer.Normalize(fromName) == TextAnalyzer.Normalize(toName))
        {
            throw new MemoryValidationException("to", "An entity cannot be related to itself.");
        }

        var source = (await UpsertEntityAsync(ns, from, author: author, cancellationToken: cancellationToken)).Entity;
        var target = (await UpsertEntityAsync(ns, to, author: author, cancellationToken: cancellationToken)).Entity;
        return await engine.LinkAsync(new NewLink { FromId = source.Id, ToId = target.Id, Type = type, Weight = weight, Author = author }, cancellationToken);
    }

    /// <summary>An entity with its facts (valid at <paramref name="asOf"/>) and relations; null when unknown.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The entity's name.</param>
    /// <param name="asOf">The moment (default now).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<EntityView?> GetEntityAsync(string ns, string name, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        var entity = await FindEntityAsync(ns, name, cancellationToken);
        if (entity is null)
        {
            return null;
        }

        var facts = await GetFactsAsync(ns, name, asOf: asOf, cancellationToken: cancellationToken);
        var relations = await engine.GetLinksAsync(entity.Id, cancellationToken: cancellationToken);
        return new EntityView(entity, facts, relations);
    }

    /// <summary>
    /// Entities with their facts and relations, read in one consistent view of the namespace: the named ones (in the
    /// order given, unknown names skipped, each entity once), or every entity when <paramref name="names"/> is null.
    /// </summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="names">Entity names (matched case-, accent- and spacing-insensitively), or null for all.</param>
    /// <param name="includeHistory">Include facts whose validity ended (superseded values) instead of the current ones only.</param>
    /// <param name="asOf">The moment facts must hold at (default now; ignored with <paramref name="includeHistory"/>).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<EntityView>> GetEntitiesAsync(string ns, IEnumerable<string>? names, bool includeHistory = false, DateTimeOffset? asOf = null, CancellationToken cancellationToken = default)
    {
        var keys = names?.Select(n => TextAnalyzer.Normalize(InputValidator.ShortText(n, "names", required: true)!)).Distinct(StringComparer.Ordinal).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        return await engine.ReadIndexAsync<IReadOnlyList<EntityView>>(ns, (index, now, visible) =>
        {
            var at = asOf ?? now;
            visible ??= static _ => true;
            bool IsVisibleEntity(MemoryRecord r) => IsEntity(r) && visible(r);
            var entities = keys is null
                ? index.Records.Where(IsVisibleEntity).GroupBy(e => TextAnalyzer.Normalize(e.Subject!), StringComparer.Ordinal).Select(g => (Key: g.Key, Entity: Oldest(g)!))
                    .OrderBy(e => e.Entity.CreatedAt).ThenBy(e => e.Entity.Id, StringComparer.Ordinal).ToList()
                : NamedEntities(index, keys, IsVisibleEntity);
            var views = new List<EntityView>(entities.Count);
            foreach (var (key, entity) in entities)
            {
                views.Add(ViewOf(index, key, entity, visible, includeHistory, at, now));
            }

            return views;
        }, cancellationToken);
    }

    /// <summary>An entity with its facts (current at <paramref name="at"/>, or all with history) and relations, read with plain loops: a search can read a thousand entities in one call.</summary>
    private EntityView ViewOf(NamespaceIndex index, string key, MemoryRecord entity, Func<MemoryRecord, bool> visible, bool includeHistory, DateTimeOffset at, DateTimeOffset now)
    {
        var facts = new List<MemoryRecord>();
        foreach (var r in index.BySubject(key))
        {
            if ((includeHistory ? r.Kind == MemoryKind.Semantic && !IsEntity(r) : IsFactAt(r, null, at)) && visible(r))
            {
                facts.Add(r);
            }
        }

        if (facts.Count > 1)
        {
            facts.Sort(static (a, b) =>
            {
                int c = (a.ValidFrom ?? a.CreatedAt).CompareTo(b.ValidFrom ?? b.CreatedAt);
                return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
            });
        }

        var relations = new List<MemoryLink>();
        foreach (var l in index.LinksOf(entity.Id, LinkDirection.Both))
        {
            if (index.Get(l.FromId == entity.Id ? l.ToId : l.FromId) is not { } other || visible(other))
            {
                relations.Add(engine.WithEffectiveWeight(l, now));
            }
        }

        if (relations.Count > 1)
        {
            relations.Sort(static (a, b) =>
            {
                int c = a.CreatedAt.CompareTo(b.CreatedAt);
                return c != 0 ? c : string.CompareOrdinal(a.Id, b.Id);
            });
        }

        return new EntityView(entity, facts, relations);
    }

    /// <summary>
    /// Entities found by text, read in one consistent view of the namespace: every entity whose entity record or a
    /// currently valid fact contains <paramref name="text"/> as written, ignoring case (oldest first), then the
    /// entities named in <paramref name="names"/> that do not (in the order given) — each once, with its current
    /// facts and relations. The plain substring search some clients expect, and the entities a ranked search found,
    /// in one read.
    /// </summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="text">The text to look for.</param>
    /// <param name="names">More entities to read (names or normalized keys).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<EntityMatch>> FindEntitiesAsync(string ns, string text, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        CheckSearchText(text);

        var named = names.Select(n => TextAnalyzer.Normalize(InputValidator.ShortText(n, "names", required: true)!)).ToList();
        cancellationToken.ThrowIfCancellationRequested();
        return await engine.ReadIndexAsync<IReadOnlyList<EntityMatch>>(ns, (index, now, visible) =>
        {
            visible ??= static _ => true;
            var found = ContainingKeys(index, text, now, visible);
            var containing = new HashSet<string>(found, StringComparer.Ordinal);
            var keys = new List<string>(found.Count + named.Count);
            keys.AddRange(found);
            var seen = new HashSet<string>(containing, StringComparer.Ordinal);
            keys.AddRange(named.Where(seen.Add));
            var entities = NamedEntities(index, keys, r => IsEntity(r) && visible(r));
            var matches = new List<EntityMatch>(entities.Count);
            foreach (var (key, entity) in entities)
            {
                matches.Add(new EntityMatch(key, ViewOf(index, key, entity, visible, includeHistory: false, now, now), containing.Contains(key)));
            }

            return matches;
        }, cancellationToken);
    }

    /// <summary>A text to search for: 1 to the content limit in characters, without NUL characters.</summary>
    private void CheckSearchText(string text)
    {
        if (string.IsNullOrEmpty(text) || text.Length > engine.Options.MaxContentLength || text.Contains('\0', StringComparison.Ordinal))
        {
            throw new MemoryValidationException("text", $"text must be 1 to {engine.Options.MaxContentLength} characters without NUL characters.");
        }
    }

    /// <summary>Subject keys whose entity record or a currently valid fact contains the text (read lock held), oldest first.</summary>
    private static List<string> ContainingKeys(NamespaceIndex index, string text, DateTimeOffset now, Func<MemoryRecord, bool>? visible)
    {
        long at = now.ToUnixTimeMilliseconds();
        var found = new List<(MemoryRecord Record, string Key)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (int slot in index.SubjectTexts.Search(text, s => index.IsValidAt(s, at)))
        {
            var r = index.RecordAt(slot);
            if (r.Kind == MemoryKind.Semantic && index.SubjectKeyAt(slot) is { } key && r.IsValidAt(now) && (visible is null || visible(r)) && seen.Add(key))
            {
                found.Add((r, key));
            }
        }

        found.Sort(static (a, b) =>
        {
            int c = a.Record.CreatedAt.CompareTo(b.Record.CreatedAt);
            return c != 0 ? c : string.CompareOrdinal(a.Record.Id, b.Record.Id);
        });
        return found.ConvertAll(f => f.Key);
    }

    /// <summary>
    /// The subjects (entity names) whose entity record or any currently valid fact contains <paramref name="text"/>
    /// as written, ignoring case: the plain substring search some clients expect beside ranked recall.
    /// </summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="text">The text to look for.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Normalized subject keys, oldest first.</returns>
    public async Task<IReadOnlyList<string>> FindEntitiesContainingAsync(string ns, string text, CancellationToken cancellationToken = default)
    {
        CheckSearchText(text);

        return await engine.ReadIndexAsync<IReadOnlyList<string>>(ns, (index, now, visible) => ContainingKeys(index, text, now, visible), cancellationToken);
    }

    /// <summary>All entities of a namespace.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> ListEntitiesAsync(string ns, CancellationToken cancellationToken = default) =>
        (await engine.SnapshotAsync(ns, IsEntity, cancellationToken)).OrderBy(e => e.Subject, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>True when a record is an entity (not a fact).</summary>
    /// <param name="record">The record.</param>
    public static bool IsEntity(MemoryRecord record) =>
        record.Kind == MemoryKind.Semantic && record.Metadata.TryGetValue(EntityMarkerKey, out var v) && v == "true";

    private static bool IsFactAt(MemoryRecord r, string? predicate, DateTimeOffset at) =>
        r.Kind == MemoryKind.Semantic && !IsEntity(r)
        && (predicate is null || r.Predicate == predicate)
        && r.IsValidAt(at) && (r.ValidFrom is not null || r.CreatedAt <= at);

    /// <summary>A single-line, bounded form of an observation for the fact's object (the full text is the content).</summary>
    private static string ShortForm(string observation)
    {
        var builder = new System.Text.StringBuilder(Math.Min(observation.Length, MaxObjectLength + 1));
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

    /// <summary>The oldest visible entity record under each key, for the keys that have one, in the keys' order.</summary>
    private static List<(string Key, MemoryRecord Entity)> NamedEntities(NamespaceIndex index, List<string> keys, Func<MemoryRecord, bool> isVisibleEntity)
    {
        var entities = new List<(string Key, MemoryRecord Entity)>(keys.Count);
        foreach (var key in keys)
        {
            if (Oldest(index.BySubject(key), isVisibleEntity) is { } oldest)
            {
                entities.Add((key, oldest));
            }
        }

        return entities;
    }

    /// <summary>The oldest record (by creation, then id) that <paramref name="accept"/> allows, if any.</summary>
    private static MemoryRecord? Oldest(IEnumerable<MemoryRecord> records, Func<MemoryRecord, bool>? accept = null)
    {
        MemoryRecord? oldest = null;
        foreach (var record in records)
        {
            if ((accept is null || accept(record))
                && (oldest is null || record.CreatedAt < oldest.CreatedAt || (record.CreatedAt == oldest.CreatedAt && string.CompareOrdinal(record.Id, oldest.Id) < 0)))
            {
                oldest = record;
            }
        }

        return oldest;
    }

    private async Task<MemoryRecord?> FindEntityAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var key = TextAnalyzer.Normalize(InputValidator.ShortText(name, "name", required: true)!);
        return Oldest(await engine.SubjectSnapshotAsync(ns, key, IsEntity, cancellationToken));
    }
}
