namespace KernelMemoryPlus.Server.Api;

/// <summary>One namespace whose hot index was rebuilt from the store.</summary>
/// <param name="Namespace">The namespace.</param>
/// <param name="Memories">How many memories the rebuilt index holds.</param>
/// <param name="Links">How many links start in the namespace.</param>
public sealed record ReindexedNamespace(string Namespace, int Memories, int Links);
