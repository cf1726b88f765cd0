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
                Author = fact.Author,
            },
            r => !fact.MultiValued && r.Kind == MemoryKind.Semantic && r.Predicate == predicate
                && r.Subject is not null && TextAnalyzer.Normalize(r.Subject) == subjectKey && !IsEntity(r),
            fact.Supersedes,
            null,
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
        var facts = await engine.SnapshotAsync(
            ns,
            r => r.Kind == MemoryKind.Semantic && !IsEntity(r) && r.Subject is not null && TextAnalyzer.Normalize(r.Subject) == subjectKey
                && (normalizedPredicate is null || r.Predicate == normalizedPredicate)
                && r.IsValidAt(at) && (r.ValidFrom is not null || r.CreatedAt <= at),
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
        var facts = await engine.SnapshotAsync(
            ns,
            r => r.Kind == MemoryKind.Semantic && r.Predicate == normalizedPredicate && r.Subject is not null && TextAnalyzer.Normalize(r.Subject) == subjectKey,
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
        var entityName = InputValidator.ShortText(name, "name", required: true)!;
        var type = InputValidator.ShortText(entityType, "entityType", required: true)!;
        var key = TextAnalyzer.Normalize(entityName);
        var (entity, _) = await engine.FindOrRememberAsync(
            new NewMemory
            {
                Namespace = ns,
                Content = $"{entityName} ({type})",
                Kind = MemoryKind.Semantic,
                Subject = entityName,
                Object = type,
                Metadata = new Dictionary<string, string> { [EntityMarkerKey] = "true" },
                Author = author,
            },
            r => IsEntity(r) && r.Subject is not null && TextAnalyzer.Normalize(r.Subject) == key,
            cancellationToken);
        if (observations is not null)
        {
            var existing = (await GetFactsAsync(ns, name, "observation", cancellationToken: cancellationToken)).Select(f => f.Object).ToHashSet(StringComparer.Ordinal);
            foreach (var observation in observations.Where(o => !existing.Contains(o)).Distinct(StringComparer.Ordinal))
            {
                await AddFactAsync(new NewFact
                {
                    Namespace = ns,
                    Subject = name,
                    Predicate = "observation",
                    Object = observation,
                    Content = $"{name}: {observation}",
                    MultiValued = true,
                    Author = author,
                }, cancellationToken);
            }
        }

        return await GetEntityAsync(ns, name, cancellationToken: cancellationToken) ?? throw new MemoryNotFoundException(entity.Id);
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

    /// <summary>All entities of a namespace.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> ListEntitiesAsync(string ns, CancellationToken cancellationToken = default) =>
        (await engine.SnapshotAsync(ns, IsEntity, cancellationToken)).OrderBy(e => e.Subject, StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>True when a record is an entity (not a fact).</summary>
    /// <param name="record">The record.</param>
    public static bool IsEntity(MemoryRecord record) =>
        record.Kind == MemoryKind.Semantic && record.Metadata.TryGetValue(EntityMarkerKey, out var v) && v == "true";

    private async Task<MemoryRecord?> FindEntityAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var key = TextAnalyzer.Normalize(InputValidator.ShortText(name, "name", required: true)!);
        var found = await engine.SnapshotAsync(ns, r => IsEntity(r) && r.Subject is not null && TextAnalyzer.Normalize(r.Subject) == key, cancellationToken);
        return found.OrderBy(e => e.CreatedAt).ThenBy(e => e.Id, StringComparer.Ordinal).FirstOrDefault();
    }
}
