using System.Runtime.CompilerServices;
using System.Text.Json;
using KernelMemoryPlus.Server.Mcp.Tools;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>Calls tools and reads their results.</summary>
internal static class McpAssert
{
    private static readonly ConditionalWeakTable<McpClient, Dictionary<string, JsonElement>> s_outputSchemas = [];

    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Calls a tool that must succeed; returns its structured content.</summary>
    public static async Task<JsonElement> CallAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments), cancellationToken: Token);
        Assert.True(result.IsError != true, $"{tool} failed: {Text(result)}");
        Assert.True(result.StructuredContent.HasValue, $"{tool} returned no structured content: {Text(result)}");
        await AssertMatchesOutputSchemaAsync(client, tool, result.StructuredContent!.Value);
        return result.StructuredContent!.Value;
    }

    /// <summary>
    /// Structured content must fit the tool's output schema (required members present, types right): clients such as
    /// the TypeScript SDK reject results that do not.
    /// </summary>
    public static async Task AssertMatchesOutputSchemaAsync(McpClient client, string tool, JsonElement structured)
    {
        if (!s_outputSchemas.TryGetValue(client, out var schemas))
        {
            schemas = (await client.ListToolsAsync(cancellationToken: Token))
                .Where(t => t.ProtocolTool.OutputSchema.HasValue)
                .ToDictionary(t => t.Name, t => t.ProtocolTool.OutputSchema!.Value);
            s_outputSchemas.AddOrUpdate(client, schemas);
        }

        Assert.True(schemas.ContainsKey(tool), $"{tool} declares no output schema");
        var members = structured.EnumerateObject().ToDictionary(p => p.Name, p => p.Value);
        Assert.Null(ToolArguments.Check(schemas[tool], members));
    }

    /// <summary>Calls a tool that must fail with a tool error; returns the error text.</summary>
    public static async Task<string> CallFailingAsync(this McpClient client, string tool, object? arguments = null)
    {
        var result = await client.CallToolAsync(tool, Arguments(arguments), cancellationToken: Token);
        Assert.True(result.IsError == true, $"{tool} should have failed but returned: {Text(result)}");
        return Text(result);
    }

    public static string Text(CallToolResult result) => string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));

    public static Dictionary<string, object?> Arguments(object? arguments) => arguments switch
    {
        null => [],
        Dictionary<string, object?> d => d,
        _ => JsonSerializer.SerializeToElement(arguments).EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value),
    };

    public static string Str(this JsonElement e, string property) => e.GetProperty(property).GetString()!;

    public static string NewNamespace(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}";
}
