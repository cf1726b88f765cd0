// Sample 04 — a plain MCP client (the ModelContextProtocol SDK, nothing from KernelMemoryPlus) using the server's
// memory tools over Streamable HTTP at /mcp: it lists the tools, calls remember / record_procedure / link directly,
// then hands the tools to a model (McpClientTool is an AIFunction) that calls recall and find_procedures itself.
// The server is started as a child process on a free loopback port (or KMP_SERVER_URL is used). Any MCP host (Claude
// Desktop, VS Code) does the same over stdio: dotnet run --project src/McpServer -- --stdio.
// Run: dotnet run --project samples/agents/04_McpClient   (uses Ollama when OLLAMA_HOST answers)
using System.Text.Json;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Samples;

const string Ns = "sample-04";
await using var server = await SampleServer.StartAsync();
await using var client = await McpClient.CreateAsync(
    new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(server.BaseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }),
    new McpClientOptions { ClientInfo = new Implementation { Name = "sample-04", Version = "1.0" } });

var tools = await client.ListToolsAsync();
Console.WriteLine($"Connected to {client.ServerInfo?.Name} at {server.BaseAddress}mcp: {tools.Count} tools ({string.Join(", ", tools.Select(t => t.Name).Take(8))}, ...)");

// Direct tool calls.
var incident = await CallAsync("remember", new() { ["namespace"] = Ns, ["content"] = "The nightly backup failed because the disk on backup-1 was full.", ["tags"] = new[] { "incident" } });
var procedure = await CallAsync("record_procedure", new()
{
    ["namespace"] = Ns,
    ["name"] = "free space on a backup host",
    ["description"] = "What to do when a backup fails because the disk is full",
    ["steps"] = new[] { "Delete backups older than 30 days", "Compress the remaining archives", "Re-run the backup" },
});
var incidentId = incident.StructuredContent!.Value.GetProperty("memory").GetProperty("id").GetString()!;
var procedureId = procedure.StructuredContent!.Value.GetProperty("procedure").GetProperty("id").GetString()!;
await CallAsync("link", new() { ["fromId"] = incidentId, ["toId"] = procedureId, ["type"] = "resolved_by", ["weight"] = 0.9 });
Console.WriteLine($"\nRemembered in '{Ns}': incident {incidentId}, procedure {procedureId}, linked resolved_by.");

// A model using the same tools through function calling.
var ollama = await SampleChat.TryOllamaAsync();
Console.WriteLine($"Model: {(ollama is null ? "scripted (offline)" : "Ollama")}");
IChatClient model = ollama ?? new ScriptedChatClient(
    (_, _) => ScriptedChatClient.Call("recall", new() { ["namespace"] = Ns, ["query"] = "why did the nightly backup fail?", ["limit"] = 2 }),
    (_, _) => ScriptedChatClient.Call("find_procedures", new() { ["namespace"] = Ns, ["task"] = "backup disk is full", ["limit"] = 1 }),
    (m, _) => ScriptedChatClient.Say("Here is what memory says:\n" + string.Join("\n", m.SelectMany(x => x.Contents).OfType<FunctionResultContent>().Select(r => Text(r.Result)))));
using var agent = new FunctionInvokingChatClient(model);
var answer = await agent.GetResponseAsync(
    $"The nightly backup failed again. Look up in memory namespace '{Ns}' why it failed before and how to fix it.",
    new ChatOptions { Tools = [.. tools.Where(t => t.Name is "recall" or "find_procedures" or "explore")] });
Console.WriteLine($"\nRecalled (by the model through MCP tools):\n{answer.Text}");

var explored = await CallAsync("explore", new() { ["id"] = incidentId, ["depth"] = 1 });
Console.WriteLine($"\nAssociations of the incident: {((TextContentBlock)explored.Content[0]).Text.ReplaceLineEndings(" ")}");

return ollama is null && !(answer.Text.Contains("disk on backup-1 was full", StringComparison.Ordinal) && answer.Text.Contains("Delete backups older than 30 days", StringComparison.Ordinal)) ? 1 : 0;

async Task<CallToolResult> CallAsync(string tool, Dictionary<string, object?> arguments)
{
    var result = await client.CallToolAsync(tool, arguments);
    if (result.IsError == true)
    {
        throw new InvalidOperationException($"{tool}: {((TextContentBlock)result.Content[0]).Text}");
    }

    return result;
}

// An MCP tool's result reaches the model as the tool's JSON result; show its text content.
static string Text(object? result) =>
    result is JsonElement json && json.TryGetProperty("content", out var content) && content.GetArrayLength() > 0 && content[0].TryGetProperty("text", out var text)
        ? text.GetString() ?? string.Empty
        : result?.ToString() ?? string.Empty;
