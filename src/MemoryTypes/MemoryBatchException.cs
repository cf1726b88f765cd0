namespace KernelMemoryPlus;

/// <summary>A batch was refused as a whole because some of its writes were invalid or stale; nothing was written.</summary>
public sealed class MemoryBatchException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errors">Every refused write.</param>
    public MemoryBatchException(IReadOnlyList<MemoryBatchError> errors)
        : base($"{errors.Count} item(s) of the batch were refused, so nothing was written. First: item {errors[0].Index}: {errors[0].Error.Message}")
    {
        Errors = errors;
    }

    /// <summary>Every refused write, in batch order.</summary>
    public IReadOnlyList<MemoryBatchError> Errors { get; }
}
