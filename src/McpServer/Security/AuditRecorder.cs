using System.Text.Json;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// Decides what the audit log records of a door request: every request that is not a plain read (GET/HEAD) — writes,
/// searches, MCP calls — and every refused one, as "METHOD /path" or "mcp {method} {tool}" with the memory id it names.
/// </summary>
internal static class AuditRecorder
{
    private const int MaxInspectedBody = 64 * 1024;

    /// <summary>The action and target of a request; for MCP it reads (and rewinds) the JSON-RPC body.</summary>
    public static async Task<(string Action, string? Target)> DescribeAsync(HttpContext context)
    {
        var request = context.Request;
        if (!request.Path.StartsWithSegments("/mcp") || !HttpMethods.IsPost(request.Method) || request.ContentLength is not (> 0 and <= MaxInspectedBody))
        {
            return ($"{request.Method} {Bounded(request.Path.Value)}", null);
        }

        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: context.RequestAborted);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("method", out var method) || method.ValueKind != JsonValueKind.String)
            {
                return ("mcp (response or batch)", null);
            }

            var name = method.GetString()!;
            if (root.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                string? tool = parameters.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                // The memory or grant the call is about, else the namespace it works in.
                string? target = parameters.TryGetProperty("arguments", out var arguments) && arguments.ValueKind == JsonValueKind.Object
                    ? TargetOf(arguments)
                    : null;
                target ??= parameters.TryGetProperty("uri", out var uri) && uri.ValueKind == JsonValueKind.String ? uri.GetString() : null;
                return (tool is null ? $"mcp {name}" : $"mcp {name} {Bounded(tool)}", Bounded(target));
            }

            return ($"mcp {Bounded(name)}", null);
        }
        catch (JsonException)
        {
            return ("mcp (malformed JSON)", null);
        }
        catch (IOException)
        {
            return ("mcp (unreadable body)", null);
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    /// <summary>Records a completed request unless it was a plain read or an MCP notification.</summary>
    public static void Completed(HttpContext context, AuditLog audit, string principal, string action, string? mcpTarget)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        {
            // Plain reads are not recorded, refused ones are (who tried to read what it may not).
            if (context.Response.StatusCode is StatusCodes.Status429TooManyRequests or StatusCodes.Status403Forbidden)
            {
                audit.Append(principal, action, Bounded(context.GetRouteValue("id") as string), context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return;
        }

        if (action.StartsWith("mcp notifications/", StringComparison.Ordinal) || action == "mcp ping")
        {
            return;
        }

        var target = mcpTarget ?? Bounded(context.GetRouteValue("id") as string ?? (context.GetRouteValue("ns") is string ns ? "namespace:" + ns : null));
        audit.Append(principal, action, target, context.Response.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string? TargetOf(JsonElement arguments)
    {
        foreach (var name in (ReadOnlySpan<string>)["id", "grantId", "memoryId", "fromId", "namespace"])
        {
            if (arguments.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String)
            {
                return name is "id" or "grantId" or "memoryId" or "fromId" ? value.GetString() : "namespace:" + value.GetString();
            }
        }

        return null;
    }

    private static string? Bounded(string? value) => value is null ? null : value.Length <= 200 ? value : value[..200] + "…";
}
