namespace KernelMemoryPlus;

/// <summary>An entity with its current facts and its relations to other entities.</summary>
/// <param name="Entity">The entity record (subject = name, object = type).</param>
/// <param name="Facts">Facts about it valid at the time asked.</param>
/// <param name="Relations">Links between it and other entities.</param>
public sealed record EntityView(MemoryRecord Entity, IReadOnlyList<MemoryRecord> Facts, IReadOnlyList<MemoryLink> Relations);
