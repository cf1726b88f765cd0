namespace KernelMemoryPlus;

/// <summary>What <see cref="SemanticMemory.UpsertEntitiesAsync"/> did for one entity.</summary>
/// <param name="Entity">The entity record (new or existing).</param>
/// <param name="Created">True when the entity was created by this call.</param>
/// <param name="AddedObservations">The observations this call added, in input order (ones it already had are left out).</param>
public sealed record EntityUpsert(MemoryRecord Entity, bool Created, IReadOnlyList<string> AddedObservations);
