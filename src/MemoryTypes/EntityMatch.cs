namespace KernelMemoryPlus;

/// <summary>An entity found by <see cref="SemanticMemory.FindEntitiesAsync"/>.</summary>
/// <param name="Key">The entity's normalized name (case-, accent- and spacing-insensitive).</param>
/// <param name="View">The entity with its current facts and relations.</param>
/// <param name="ContainsText">True when the entity record or one of its current facts contains the text searched for.</param>
public sealed record EntityMatch(string Key, EntityView View, bool ContainsText);
