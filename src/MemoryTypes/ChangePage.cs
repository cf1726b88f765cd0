namespace KernelMemoryPlus;

/// <summary>A page of the change feed.</summary>
/// <param name="Changes">The changes, in sequence order.</param>
/// <param name="NextSince">Pass this as "since" to continue after the last change returned.</param>
/// <param name="HasMore">Whether more changes were waiting when the page was read.</param>
public sealed record ChangePage(IReadOnlyList<ChangeEvent> Changes, long NextSince, bool HasMore);
