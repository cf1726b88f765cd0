namespace KernelMemoryPlus;

/// <summary>The result of one write of a batch.</summary>
/// <param name="Index">The write's position in the batch.</param>
/// <param name="Operation">What was done.</param>
/// <param name="Id">The memory's id.</param>
/// <param name="Memory">The memory as stored (null for a delete).</param>
public sealed record MemoryWriteResult(int Index, ChangeOperation Operation, string Id, MemoryRecord? Memory);
