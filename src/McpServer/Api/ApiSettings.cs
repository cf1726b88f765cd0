namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Limits of the REST door, from the "KernelMemoryPlus:Api" configuration section (for example the environment
/// variable <c>KernelMemoryPlus__Api__MaxBodyBytes=4194304</c>). Validated at start-up.
/// </summary>
public sealed class ApiSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "KernelMemoryPlus:Api";

    /// <summary>
    /// Largest request body accepted under /api/v1, in bytes; a larger body is answered with 413. Default 1 MiB
    /// (1,048,576).
    /// </summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Most items in one <c>POST /api/v1/memories/batch</c>; more are answered with 413. Default 1,000.</summary>
    public int MaxBatchItems { get; set; } = 1_000;
}
