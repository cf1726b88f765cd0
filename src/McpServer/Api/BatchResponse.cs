namespace KernelMemoryPlus.Server.Api;

/// <summary>The outcome of a batch: one result per item, in request order.</summary>
public sealed record BatchResponse
{
    /// <summary>True when every item was applied; false when applying stopped at a failed item (the answer is then 207).</summary>
    public required bool Complete { get; init; }

    /// <summary>One result per item, in request order.</summary>
    public required IReadOnlyList<BatchItemResult> Results { get; init; }
}
