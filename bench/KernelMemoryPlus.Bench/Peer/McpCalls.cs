using System.Text.Json;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Bench.Peer;

/// <summary>Tool calls with arguments built ahead of time (so the clock measures the call, not the argument serialization).</summary>
internal static class McpCalls
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>A tool call's request, built from an object whose properties are the arguments (camelCase).</summary>
    /// <param name="tool">The tool name.</param>
    /// <param name="arguments">An object whose public properties are the arguments.</param>
    public static CallToolRequestParams Request(string tool, object arguments)
    {
        var element = JsonSerializer.SerializeToElement(arguments, s_json);
        var dict = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            dict[property.Name] = property.Value;
        }

        return new CallToolRequestParams { Name = tool, Arguments = dict };
    }

    /// <summary>Calls a tool.</summary>
    /// <param name="client">The client.</param>
    /// <param name="request">The request from <see cref="Request"/>.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static ValueTask<CallToolResult> CallAsync(McpClient client, CallToolRequestParams request, CancellationToken cancellationToken) =>
        client.CallToolAsync(request, cancellationToken);

    /// <summary>The structured result, or the first text block parsed as JSON, or null.</summary>
    /// <param name="result">The tool result.</param>
    public static JsonElement? Structured(CallToolResult result)
    {
        if (result.StructuredContent is { } structured && structured.ValueKind == JsonValueKind.Object)
        {
            return structured;
        }

        var text = Text(result);
        if (text.Length > 0 && text[0] is '{' or '[')
        {
            try
            {
                using var doc = JsonDocument.Parse(text);
                return doc.RootElement.Clone();
            }
            catch (JsonException)
            {
            }
        }

        return null;
    }

    /// <summary>The text blocks of a result, concatenated.</summary>
    /// <param name="result">The tool result.</param>
    public static string Text(CallToolResult result) =>
        result.Content.Count == 1 && result.Content[0] is TextContentBlock single
            ? single.Text
            : string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));

    /// <summary>A short description of a tool error.</summary>
    /// <param name="result">The tool result.</param>
    public static string ErrorText(CallToolResult result)
    {
        var text = Text(result).ReplaceLineEndings(" ");
        return text.Length > 200 ? text[..200] + "…" : text;
    }

    /// <summary>The names of the entities of a knowledge-graph result, in the order the server returned them.</summary>
    /// <param name="result">A search_nodes, open_nodes or create_entities result.</param>
    public static List<string> EntityNames(CallToolResult result)
    {
        var names = new List<string>();
        if (Structured(result) is { } root && root.TryGetProperty("entities", out var entities) && entities.ValueKind == JsonValueKind.Array)
        {
            foreach (var entity in entities.EnumerateArray())
            {
                if (entity.TryGetProperty("name", out var name) && name.GetString() is { } value)
                {
                    names.Add(value);
                }
            }
        }

        return names;
    }
}
