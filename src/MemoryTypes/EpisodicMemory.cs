using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus;

/// <summary>
/// Episodic memory: events and conversation turns on a timeline, grouped in sessions, with time-range and
/// "what happened around this event" queries.
/// </summary>
/// <param name="engine">The engine.</param>
public sealed class EpisodicMemory(MemoryEngine engine)
{
    /// <summary>Records an event.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="content">What happened.</param>
    /// <param name="sessionId">The session or episode it belongs to.</param>
    /// <param name="occurredAt">When it happened (default now).</param>
    /// <param name="tags">Tags.</param>
    /// <param name="metadata">Metadata (for example a speaker or a turn id).</param>
    /// <param name="importance">Importance 0..1.</param>
    /// <param name="author">Who recorded it.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<MemoryRecord> RecordEventAsync(
        string ns,
        string content,
        string? sessionId = null,
        DateTimeOffset? occurredAt = null,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        double? importance = null,
        string? author = null,
        CancellationToken cancellationToken = default) =>
        engine.RememberAsync(new NewMemory
        {
            Namespace = ns,
            Content = content,
            Kind = MemoryKind.Episodic,
            SessionId = sessionId,
            OccurredAt = occurredAt,
            Tags = tags,
            Metadata = metadata,
            Importance = importance,
            Author = author,
        }, cancellationToken);

    /// <summary>Events in time order, optionally within a time range and a session.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="from">Occurred at or after.</param>
    /// <param name="to">Occurred before.</param>
    /// <param name="sessionId">Only this session.</param>
    /// <param name="limit">Most events (default 100, or <see cref="KernelMemoryPlusOptions.MaxResults"/> when lower).</param>
    /// <param name="newestFirst">Newest first instead of oldest first.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> TimelineAsync(
        string ns,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        string? sessionId = null,
        int? limit = null,
        bool newestFirst = false,
        CancellationToken cancellationToken = default)
    {
        // Default: 100, or the configured MaxResults when that is lower.
        int take = InputValidator.Limit(limit ?? Math.Min(100, engine.Options.MaxResults), engine.Options);
        var filter = new MemoryFilter { Kinds = [MemoryKind.Episodic], From = from, To = to, SessionId = sessionId, IncludeExpired = true };
        InputValidator.Filter(filter, engine.Options);
        var predicate = FilterEvaluator.Create(filter, engine.Now());
        var events = await engine.SnapshotAsync(ns, predicate, cancellationToken);
        var ordered = newestFirst
            ? events.OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id, StringComparer.Ordinal)
            : events.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id, StringComparer.Ordinal);
        return ordered.Take(take).ToList();
    }

    /// <summary>What happened around an event: the events just before and after it.</summary>
    /// <param name="id">The event.</param>
    /// <param name="before">How many earlier events.</param>
    /// <param name="after">How many later events.</param>
    /// <param name="sameSessionOnly">Only events of the same session (when the event has one).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="MemoryNotFoundException">No event has that id.</exception>
    public async Task<EpisodeContext> AroundAsync(string id, int before = 5, int after = 5, bool sameSessionOnly = true, CancellationToken cancellationToken = default)
    {
        if (before is < 0 or > 100 || after is < 0 or > 100)
        {
            throw new MemoryValidationException(before is < 0 or > 100 ? "before" : "after", "before and after must be between 0 and 100.");
        }

        var center = await engine.GetRequiredAsync(id, cancellationToken);
        var events = await engine.SnapshotAsync(
            center.Namespace,
            r => r.Kind == MemoryKind.Episodic && r.Id != center.Id && (!sameSessionOnly || center.SessionId is null || r.SessionId == center.SessionId),
            cancellationToken);
        var earlier = events.Where(e => Compare(e, center) < 0).OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id, StringComparer.Ordinal).Take(before).Reverse().ToList();
        var later = events.Where(e => Compare(e, center) > 0).OrderBy(e => e.OccurredAt).ThenBy(e => e.Id, StringComparer.Ordinal).Take(after).ToList();
        return new EpisodeContext(center, earlier, later);
    }

    /// <summary>The sessions of a namespace with their size and time span, most recent first.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<EpisodeSession>> ListSessionsAsync(string ns, CancellationToken cancellationToken = default)
    {
        var events = await engine.SnapshotAsync(ns, r => r.Kind == MemoryKind.Episodic && r.SessionId is not null, cancellationToken);
        return events.GroupBy(e => e.SessionId!, StringComparer.Ordinal)
            .Select(g => new EpisodeSession(g.Key, g.Count(), g.Min(e => e.OccurredAt), g.Max(e => e.OccurredAt)))
            .OrderByDescending(s => s.End)
            .ToList();
    }

    /// <summary>Recalls events relevant to a text.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="text">What to look for.</param>
    /// <param name="limit">How many.</param>
    /// <param name="from">Occurred at or after.</param>
    /// <param name="to">Occurred before.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<IReadOnlyList<RecallResult>> RecallAsync(string ns, string text, int limit = 10, DateTimeOffset? from = null, DateTimeOffset? to = null, CancellationToken cancellationToken = default) =>
        engine.RecallAsync(new RecallQuery
        {
            Namespace = ns,
            Text = text,
            Limit = limit,
            Filter = new MemoryFilter { Kinds = [MemoryKind.Episodic], From = from, To = to, IncludeExpired = true },
        }, cancellationToken);

    private static int Compare(MemoryRecord a, MemoryRecord b)
    {
        int byTime = a.OccurredAt.CompareTo(b.OccurredAt);
        return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
    }
}
