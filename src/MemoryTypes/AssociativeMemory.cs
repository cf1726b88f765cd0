namespace KernelMemoryPlus;

/// <summary>
/// Associative memory: typed, weighted, optionally bidirectional links between any memories; recall that spreads
/// activation along them; links that strengthen when memories are used together and fade when unused.
/// </summary>
/// <param name="engine">The engine.</param>
public sealed class AssociativeMemory(MemoryEngine engine)
{
    /// <summary>Links two memories (or updates the link of that type between them).</summary>
    /// <param name="fromId">Source memory.</param>
    /// <param name="toId">Target memory.</param>
    /// <param name="type">Relation type.</param>
    /// <param name="weight">Strength 0..1.</param>
    /// <param name="bidirectional">Followable both ways.</param>
    /// <param name="author">Who linked them.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<MemoryLink> LinkAsync(string fromId, string toId, string type = "related_to", double weight = 0.5, bool bidirectional = false, string? author = null, CancellationToken cancellationToken = default) =>
        engine.LinkAsync(new NewLink { FromId = fromId, ToId = toId, Type = type, Weight = weight, Bidirectional = bidirectional, Author = author }, cancellationToken);

    /// <summary>Removes links between two memories.</summary>
    /// <param name="fromId">Source memory.</param>
    /// <param name="toId">Target memory.</param>
    /// <param name="type">Only this type, or null for all.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<int> UnlinkAsync(string fromId, string toId, string? type = null, CancellationToken cancellationToken = default) =>
        engine.UnlinkAsync(fromId, toId, type, cancellationToken);

    /// <summary>The links of a memory with their current (faded) weight.</summary>
    /// <param name="id">The memory.</param>
    /// <param name="direction">Which links.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<IReadOnlyList<MemoryLink>> GetLinksAsync(string id, LinkDirection direction = LinkDirection.Both, CancellationToken cancellationToken = default) =>
        engine.GetLinksAsync(id, direction, cancellationToken: cancellationToken);

    /// <summary>Memories associated with one memory, by spreading activation along links.</summary>
    /// <param name="id">The starting memory.</param>
    /// <param name="depth">Hops (1..4).</param>
    /// <param name="minActivation">Cut-off.</param>
    /// <param name="limit">Most results.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, double minActivation = 0.05, int limit = 25, CancellationToken cancellationToken = default) =>
        engine.ExploreAsync(id, depth, minActivation, limit, cancellationToken);

    /// <summary>Recall that also brings in memories linked to the direct hits.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="text">What to look for.</param>
    /// <param name="limit">How many.</param>
    /// <param name="depth">Link hops (1..3).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<IReadOnlyList<RecallResult>> RecallAsync(string ns, string text, int limit = 10, int depth = 1, CancellationToken cancellationToken = default) =>
        engine.RecallAsync(new RecallQuery { Namespace = ns, Text = text, Limit = limit, SpreadDepth = depth }, cancellationToken);

    /// <summary>Tells the engine these memories were used together: the links among them strengthen.</summary>
    /// <param name="ids">Two or more memory ids of one namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>How many links were strengthened.</returns>
    public Task<int> ReinforceAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken = default) =>
        engine.ReinforceAsync(ids, cancellationToken);
}
