namespace KernelMemoryPlus.Plugin;

/// <summary>
/// What an agent needs from long-term memory: the one abstraction the plugins and the context provider use, so the
/// same agent code runs against the engine in its own process (<see cref="InProcessAgentMemory"/>) or against a
/// shared server (<see cref="RestAgentMemory"/>, <see cref="McpAgentMemory"/>).
/// </summary>
/// <remarks>
/// <para>
/// Every implementation reports the same failures: <see cref="MemoryValidationException"/> for invalid input (the
/// field named), <see cref="MemoryNotFoundException"/> for an unknown id, <see cref="VersionConflictException"/> when
/// an expected version no longer holds, <see cref="AgentMemoryUnavailableException"/> when the memory cannot be
/// reached, and <see cref="AgentMemoryException"/> for anything else a server refused.
/// </para>
/// <para>Implementations are safe to use from several threads at once.</para>
/// </remarks>
public interface IAgentMemory
{
    /// <summary>Stores a memory of any kind.</summary>
    /// <param name="memory">What to store.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored memory.</returns>
    Task<MemoryRecord> RememberAsync(NewMemory memory, CancellationToken cancellationToken = default);

    /// <summary>Ranked recall.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The results, best first.</returns>
    Task<IReadOnlyList<RecallResult>> RecallAsync(RecallQuery query, CancellationToken cancellationToken = default);

    /// <summary>Reads one memory.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The memory, or <see langword="null"/> when there is none with this id.</returns>
    Task<MemoryRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Changes a memory.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="update">The members to change.</param>
    /// <param name="expectedVersion">Apply only to this version.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The changed memory.</returns>
    Task<MemoryRecord> UpdateAsync(string id, MemoryUpdate update, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a memory and its links.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="expectedVersion">Delete only this version.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns><see langword="true"/> when it existed.</returns>
    Task<bool> ForgetAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Links two memories (or updates the link of that type between them).</summary>
    /// <param name="link">The link.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored link.</returns>
    Task<MemoryLink> LinkAsync(NewLink link, CancellationToken cancellationToken = default);

    /// <summary>Memories associated with one memory through links, by spreading activation, strongest first.</summary>
    /// <param name="id">The memory to start from.</param>
    /// <param name="depth">How many hops (1-4).</param>
    /// <param name="limit">Most results.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The associations.</returns>
    Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, int limit = 25, CancellationToken cancellationToken = default);

    /// <summary>The latest episodic events of a namespace, newest first.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="limit">Most events.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The events.</returns>
    Task<IReadOnlyList<MemoryRecord>> RecentEventsAsync(string ns, int limit = 10, CancellationToken cancellationToken = default);

    /// <summary>Stores a fact; a new value for the same subject and predicate supersedes the old one (kept as history).</summary>
    /// <param name="fact">The fact.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The stored fact and the facts it superseded.</returns>
    Task<FactResult> AddFactAsync(NewFact fact, CancellationToken cancellationToken = default);

    /// <summary>The facts currently held about a subject.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="subject">The subject (compared without case).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The current facts.</returns>
    Task<IReadOnlyList<MemoryRecord>> GetFactsAsync(string ns, string subject, CancellationToken cancellationToken = default);

    /// <summary>Records a procedure; recording under an existing name makes a new version.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The procedure's name.</param>
    /// <param name="description">What task it accomplishes.</param>
    /// <param name="steps">The steps, in order.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The new procedure and the version it replaced, if any.</returns>
    Task<FactResult> RecordProcedureAsync(string ns, string name, string description, IReadOnlyList<string> steps, CancellationToken cancellationToken = default);

    /// <summary>Procedures for a task, ranked by similarity and reported success.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="task">The task.</param>
    /// <param name="limit">Most results.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The procedures, best first.</returns>
    Task<IReadOnlyList<RecallResult>> FindProceduresAsync(string ns, string task, int limit = 5, CancellationToken cancellationToken = default);

    /// <summary>Reports whether following a procedure worked.</summary>
    /// <param name="id">The procedure's id.</param>
    /// <param name="success">Whether it worked.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The procedure with its new counts.</returns>
    Task<MemoryRecord> ReportOutcomeAsync(string id, bool success, CancellationToken cancellationToken = default);
}
