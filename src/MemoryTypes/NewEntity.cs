namespace KernelMemoryPlus;

/// <summary>An entity to create (or to add observations to) in semantic memory.</summary>
/// <param name="Name">The entity's name (matched case-, accent- and spacing-insensitively).</param>
/// <param name="EntityType">Its type ("person", "project"); an existing entity keeps its own.</param>
/// <param name="Observations">Statements about it, stored as multi-valued "observation" facts.</param>
public sealed record NewEntity(string Name, string EntityType = "thing", IReadOnlyList<string>? Observations = null);
