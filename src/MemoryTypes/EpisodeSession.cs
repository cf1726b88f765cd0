namespace KernelMemoryPlus;

/// <summary>A session (episode) of events.</summary>
/// <param name="SessionId">The session id.</param>
/// <param name="Events">How many events it holds.</param>
/// <param name="Start">When its first event occurred.</param>
/// <param name="End">When its last event occurred.</param>
public sealed record EpisodeSession(string SessionId, int Events, DateTimeOffset Start, DateTimeOffset End);
