namespace KernelMemoryPlus.Server.Api;

/// <summary>The recalled memories, best first.</summary>
/// <param name="Results">Each memory with its final score (0 to 1) and, unless turned off, how the score came about.</param>
public sealed record RecallResponse(IReadOnlyList<RecallResult> Results);
