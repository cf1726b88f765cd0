namespace KernelMemoryPlus.Server.Api;

/// <summary>The namespaces that hold or held memories.</summary>
/// <param name="Namespaces">Their names, in ordinal order.</param>
public sealed record NamespaceListResponse(IReadOnlyList<string> Namespaces);
