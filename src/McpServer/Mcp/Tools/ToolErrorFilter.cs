using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp.Tools;

/// <summary>
/// The call-tool filter that turns bad input into a tool error the model can act on: arguments are checked against
/// the tool's input schema first, and the engine's validation, not-found and version-conflict exceptions become
/// <c>isError</c> results with their message (they name the field; they never carry memory contents).
/// Anything else is left to the SDK, which reports a generic error and keeps the session serving.
/// </summary>
internal static class ToolErrorFilter
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Create(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (context, cancellationToken) =>
        {
            if (context.MatchedPrimitive is McpServerTool tool
                && ToolArguments.Check(tool.ProtocolTool.InputSchema, context.Params?.Arguments) is { } problem)
            {
                return Error(problem);
            }

            try
            {
                return await next(context, cancellationToken);
            }
            catch (MemoryValidationException ex)
            {
                return Error($"Invalid {ex.Field}: {ex.Message}");
            }
            catch (Exception ex) when (ex is MemoryNotFoundException or VersionConflictException)
            {
                return Error(ex.Message);
            }
            catch (MemoryAccessDeniedException ex)
            {
                // The HTTP request succeeds (the error travels in the result): the refusal is audited here.
                (context.Services ?? context.Server.Services)?.GetService<Security.AuditLog>()?.Append(
                    MemoryPrincipal.Current?.Id ?? "?", $"mcp tools/call {context.Params?.Name}", null, "denied");
                return Error($"Access denied: {ex.Message}");
            }
            catch (McpException ex) when (ex is not McpProtocolException)
            {
                return Error(ex.Message);
            }
            catch (ArgumentException ex)
            {
                // The binder's messages name the parameter and never echo values.
                return Error($"Invalid arguments: {ex.Message}");
            }
            catch (JsonException)
            {
                return Error("Invalid arguments: a value has the wrong type or shape; see the tool's input schema.");
            }
        };

    public static CallToolResult Error(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };
}
