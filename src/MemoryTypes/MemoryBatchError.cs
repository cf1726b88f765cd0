namespace KernelMemoryPlus;

/// <summary>Why one write of a batch was refused.</summary>
/// <param name="Index">The write's position in the batch.</param>
/// <param name="Error">The refusal: a <see cref="MemoryValidationException"/>, <see cref="MemoryNotFoundException"/> or <see cref="VersionConflictException"/>.</param>
public sealed record MemoryBatchError(int Index, Exception Error);
