namespace KernelMemoryPlus.Plugin.Internal;

/// <summary>The REST answers that wrap a list (see docs/api.md).</summary>
internal sealed record RecallAnswer(IReadOnlyList<RecallResult> Results);

internal sealed record AssociationsAnswer(IReadOnlyList<Association> Associations);
