namespace KernelMemoryPlus;

/// <summary>A memory reached by exploring links from another memory.</summary>
/// <param name="Memory">The reached memory.</param>
/// <param name="Activation">How strongly it is associated (0..1): the product of link weights and a decay per hop.</param>
/// <param name="Hops">How many links away it is.</param>
/// <param name="LinkType">The type of the link that reached it.</param>
/// <param name="ViaId">The memory it was reached from.</param>
public sealed record Association(MemoryRecord Memory, double Activation, int Hops, string LinkType, string ViaId);
