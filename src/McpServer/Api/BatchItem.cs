namespace KernelMemoryPlus.Server.Api;

/// <summary>One write of a batch.</summary>
public sealed record BatchItem
{
    /// <summary>Create, Update or Delete. Required.</summary>
    public BatchOperation? Op { get; init; }

    /// <summary>Create: the memory to store.</summary>
    public CreateMemoryRequest? Memory { get; init; }

    /// <summary>Update and Delete: the memory's id.</summary>
    public string? Id { get; init; }

    /// <summary>Update: the changes; absent or null members stay as they are.</summary>
    public MemoryUpdate? Changes { get; init; }

    /// <summary>Update and Delete: apply only if the memory is still at this version (optimistic concurrency).</summary>
    public long? ExpectedVersion { get; init; }
}
