namespace KernelMemoryPlus.Server.Api;

/// <summary>The outcome of removing links.</summary>
/// <param name="Removed">How many links were removed (0 when none matched).</param>
public sealed record UnlinkResponse(int Removed);
