using System.Net;
using KernelMemoryPlus.Server.Mcp.Internal;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Mcp;

/// <summary>
/// DNS rebinding protection for /mcp (MCP transport security): a browser page on another site must not reach a server
/// that listens on this machine. Requests that arrive on a loopback address must name a loopback host (or one of
/// <see cref="McpDoorOptions.AllowedHosts"/>) in their Host header, and a request with an Origin header must come from
/// a loopback origin (or one of <see cref="McpDoorOptions.AllowedOrigins"/>); others get 403.
/// </summary>
internal static class McpHostGuard
{
    /// <summary>Wraps an endpoint's request delegate with the check.</summary>
    public static void Apply(EndpointBuilder endpoint)
    {
        var inner = endpoint.RequestDelegate;
        if (inner is null)
        {
            return;
        }

        endpoint.RequestDelegate = async context =>
        {
            var options = context.RequestServices.GetRequiredService<IOptions<McpDoorOptions>>().Value;
            if (IsAllowed(context, options))
            {
                await inner(context);
                return;
            }

            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(McpHostGuard).FullName!);
            string host = Shown(context.Request.Host.Value), origin = Shown(context.Request.Headers.Origin.ToString());
            Log.RequestRefused(logger, host, origin);
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsJsonAsync(new
            {
                jsonrpc = "2.0",
                error = new { code = -32000, message = "Forbidden: the Host or Origin header names a site this server does not serve (DNS rebinding protection). Allow it with KernelMemoryPlus:Mcp:AllowedHosts or AllowedOrigins." },
                id = (string?)null,
            });
        };
    }

    internal static bool IsAllowed(HttpContext context, McpDoorOptions options)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !IsAllowedOrigin(origin, options))
        {
            return false;
        }

        bool loopbackConnection = context.Connection.LocalIpAddress is { } local && IPAddress.IsLoopback(local);
        if (!loopbackConnection && options.AllowedHosts.Count == 0)
        {
            return true; // served on a real interface (behind a proxy or load balancer): the operator decides
        }

        var host = context.Request.Host.Host;
        return IsLoopbackName(host) || options.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase);
    }

    private static bool IsAllowedOrigin(string origin, McpDoorOptions options)
    {
        if (options.AllowedOrigins.Contains(origin.TrimEnd('/'), StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        return Uri.TryCreate(origin, UriKind.Absolute, out var uri) && IsLoopbackName(uri.Host);
    }

    private static bool IsLoopbackName(string host)
    {
        if (host.Length == 0)
        {
            return false;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static string Shown(string? value) =>
        string.IsNullOrEmpty(value) ? "(none)" : new string(value.Take(100).Select(c => char.IsControl(c) ? '?' : c).ToArray());
}
