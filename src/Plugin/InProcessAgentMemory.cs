using Microsoft.Extensions.DependencyInjection;

namespace KernelMemoryPlus.Plugin;

/// <summary>An <see cref="IAgentMemory"/> over the engine in this process: no network, no serialization.</summary>
/// <param name="engine">The engine.</param>
/// <param name="episodic">Episodic memory over the same engine.</param>
/// <param name="semantic">Semantic memory over the same engine.</param>
/// <param name="procedural">Procedural memory over the same engine.</param>
/// <remarks>Thread safe: the engine serializes writes and runs reads in parallel.</remarks>
public sealed class InProcessAgentMemory(MemoryEngine engine, EpisodicMemory episodic, SemanticMemory semantic, ProceduralMemory procedural) : IAgentMemory
{
    /// <summary>Creates one from a provider that has the KernelMemoryPlus services (<c>services.AddKernelMemoryPlus()</c>).</summary>
    /// <param name="services">The provider.</param>
    /// <returns>The memory.</returns>
    public static InProcessAgentMemory Create(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<MemoryEngine>() is not { } engine)
        {
            throw new InvalidOperationException("The in-process agent memory needs the engine: call services.AddKernelMemoryPlus() (or choose AgentMemoryMode.Rest / Mcp).");
        }

        return new InProcessAgentMemory(engine, services.GetRequiredService<EpisodicMemory>(), services.GetRequiredService<SemanticMemory>(), services.GetRequiredService<ProceduralMemory>());
    }

    /// <inheritdoc />
    public Task<MemoryRecord> RememberAsync(NewMemory memory, CancellationToken cancellationToken = default) => engine.RememberAsync(memory, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RecallResult>> RecallAsync(RecallQuery query, CancellationToken cancellationToken = default) => engine.RecallAsync(query, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => engine.GetAsync(id, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryRecord> UpdateAsync(string id, MemoryUpdate update, long? expectedVersion = null, CancellationToken cancellationToken = default) =>
        engine.UpdateAsync(id, update, expectedVersion, cancellationToken);

    /// <inheritdoc />
    public Task<bool> ForgetAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default) => engine.ForgetAsync(id, expectedVersion, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryLink> LinkAsync(NewLink link, CancellationToken cancellationToken = default) => engine.LinkAsync(link, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, int limit = 25, CancellationToken cancellationToken = default) =>
        engine.ExploreAsync(id, depth, limit: limit, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MemoryRecord>> RecentEventsAsync(string ns, int limit = 10, CancellationToken cancellationToken = default) =>
        episodic.TimelineAsync(ns, limit: limit, newestFirst: true, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<FactResult> AddFactAsync(NewFact fact, CancellationToken cancellationToken = default) => semantic.AddFactAsync(fact, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<MemoryRecord>> GetFactsAsync(string ns, string subject, CancellationToken cancellationToken = default) =>
        semantic.GetFactsAsync(ns, subject, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<FactResult> RecordProcedureAsync(string ns, string name, string description, IReadOnlyList<string> steps, CancellationToken cancellationToken = default) =>
        procedural.RecordAsync(ns, name, description, steps, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RecallResult>> FindProceduresAsync(string ns, string task, int limit = 5, CancellationToken cancellationToken = default) =>
        procedural.FindAsync(ns, task, limit, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryRecord> ReportOutcomeAsync(string id, bool success, CancellationToken cancellationToken = default) =>
        procedural.ReportOutcomeAsync(id, success, cancellationToken);
}
