namespace KernelMemoryPlus.Server.Api;

/// <summary>Memories reached by spreading activation along links from a memory, strongest first.</summary>
/// <param name="Associations">Each reached memory with its activation, hop count and the link that reached it.</param>
public sealed record AssociationListResponse(IReadOnlyList<Association> Associations);
