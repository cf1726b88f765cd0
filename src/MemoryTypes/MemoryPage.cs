namespace KernelMemoryPlus;

/// <summary>A page of a memory listing.</summary>
/// <param name="Items">The memories.</param>
/// <param name="NextCursor">Opaque cursor for the next page; null at the end.</param>
public sealed record MemoryPage(IReadOnlyList<MemoryRecord> Items, string? NextCursor);
