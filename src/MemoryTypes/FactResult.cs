namespace KernelMemoryPlus;

/// <summary>The outcome of storing a fact.</summary>
/// <param name="Fact">The stored fact.</param>
/// <param name="Superseded">Facts whose validity it closed (kept as history).</param>
public sealed record FactResult(MemoryRecord Fact, IReadOnlyList<MemoryRecord> Superseded);
