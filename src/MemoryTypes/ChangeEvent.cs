namespace KernelMemoryPlus;

/// <summary>One entry of the change feed.</summary>
/// <param name="Sequence">Monotonic sequence number, unique per store, surviving restarts.</param>
/// <param name="Namespace">The namespace that changed.</param>
/// <param name="Operation">What happened.</param>
/// <param name="EntityId">The memory id, or the link id for link operations.</param>
/// <param name="Version">The memory's version after the change (the last version for a delete); 0 for links.</param>
/// <param name="At">When it happened.</param>
/// <param name="Author">Who did it, when known.</param>
public sealed record ChangeEvent(long Sequence, string Namespace, ChangeOperation Operation, string EntityId, long Version, DateTimeOffset At, string? Author)
{
    /// <summary>True when the memory is private to its author (only those who may read it see the change).</summary>
    public bool Private { get; init; }
}
