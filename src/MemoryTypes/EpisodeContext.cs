namespace KernelMemoryPlus;

/// <summary>An event with what happened just before and after it.</summary>
/// <param name="Event">The event asked about.</param>
/// <param name="Before">Earlier events, oldest first.</param>
/// <param name="After">Later events, oldest first.</param>
public sealed record EpisodeContext(MemoryRecord Event, IReadOnlyList<MemoryRecord> Before, IReadOnlyList<MemoryRecord> After);
