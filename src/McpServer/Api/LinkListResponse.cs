namespace KernelMemoryPlus.Server.Api;

/// <summary>The links of a memory, strongest first.</summary>
/// <param name="Links">The links, each with its stored weight and its weight now (faded by disuse).</param>
public sealed record LinkListResponse(IReadOnlyList<MemoryLink> Links);
