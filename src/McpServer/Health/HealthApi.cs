using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace KernelMemoryPlus.Server.Health;

/// <summary>The <c>/healthz</c> endpoint.</summary>
public static class HealthApi
{
    /// <summary>Maps <c>GET /healthz</c>: 200 with the store's status when healthy, 503 otherwise.</summary>
    /// <param name="endpoints">The route builder.</param>
    /// <returns>The endpoint convention builder.</returns>
    public static IEndpointConventionBuilder MapKernelMemoryPlusHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHealthChecks("/healthz", new HealthCheckOptions { ResponseWriter = WriteAsync });

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var entry = report.Entries.Values.FirstOrDefault();
        var body = new Dictionary<string, object?>
        {
            ["status"] = report.Status == HealthStatus.Healthy ? "healthy" : "unhealthy",
            ["description"] = entry.Description,
        };
        foreach (var (key, value) in entry.Data)
        {
            body[key] = value;
        }

        return context.Response.WriteAsync(JsonSerializer.Serialize(body, HealthJson.Options));
    }
}
