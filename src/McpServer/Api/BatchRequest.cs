namespace KernelMemoryPlus.Server.Api;

/// <summary>Several writes sent together (<c>POST /api/v1/memories/batch</c>).</summary>
public sealed record BatchRequest
{
    /// <summary>The writes, at most <see cref="ApiSettings.MaxBatchItems"/>. Required.</summary>
    public IReadOnlyList<BatchItem?>? Items { get; init; }
}
