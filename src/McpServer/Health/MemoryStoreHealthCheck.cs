using KernelMemoryPlus.Server.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KernelMemoryPlus.Server.Health;

/// <summary>Reports whether the memory store answers, with its counts and embedding model.</summary>
/// <param name="engine">The engine.</param>
/// <param name="settings">The server settings.</param>
public sealed class MemoryStoreHealthCheck(MemoryEngine engine, ServerSettings settings) : IHealthCheck
{
    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            MemoryStats stats;
            using (MemoryPrincipal.Use(Security.PrincipalMapping.System))
            {
                stats = await engine.GetStatsAsync(cancellationToken: cancellationToken);
            }

            return HealthCheckResult.Healthy("The memory store answers.", new Dictionary<string, object>
            {
                ["store"] = stats.Store,
                ["dataDirectory"] = settings.DataDirectory,
                ["embeddingModel"] = stats.EmbeddingModel,
                ["dimensions"] = stats.Dimensions,
                ["namespaces"] = stats.Namespaces,
                ["memories"] = stats.Memories,
                ["lastSequence"] = stats.LastSequence,
            });
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The memory store does not answer: {ex.GetType().Name}.");
        }
    }
}
