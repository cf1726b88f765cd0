namespace KernelMemoryPlus;

/// <summary>One recalled memory with its final score and, on request, how the score came about.</summary>
/// <param name="Memory">The memory.</param>
/// <param name="Score">The final score between 0 and 1.</param>
/// <param name="Explanation">The score's components, when the query asked for them.</param>
public sealed record RecallResult(MemoryRecord Memory, double Score, ScoreExplanation? Explanation);
