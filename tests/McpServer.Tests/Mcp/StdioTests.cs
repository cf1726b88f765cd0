using System.Text.Json;
using ModelContextProtocol.Client;
using static KernelMemoryPlus.Server.Tests.Mcp.McpAssert;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The server as an MCP client starts it: <c>dotnet KernelMemoryPlus.McpServer.dll --stdio</c>.</summary>
public sealed class StdioTests
{
    [Fact]
    public async Task Stdio_ServesToolsResourcesAndPrompts_KeepsDataInKmpDataDir_AndLogsOnlyToStderr()
    {
        using var data = new TempDirectory();
        var stderr = new List<string>();
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "kmp",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"), "--stdio"],
            WorkingDirectory = data.Path,
            EnvironmentVariables = new Dictionary<string, string?> { ["KMP_DATA_DIR"] = data.Path, ["DOTNET_NOLOGO"] = "1" },
            StandardErrorLines = line =>
            {
                lock (stderr)
                {
                    stderr.Add(line);
                }
            },
        });
        string id;
        await using (var client = await McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = McpTestServer.Protocol2025 }, cancellationToken: Token))
        {
            var tools = await client.ListToolsAsync(cancellationToken: Token);
            id = (await client.CallAsync("remember", new { content = "Stdio memory about the release train", tags = new[] { "release" } })).GetProperty("memory").Str("id");
            var recalled = await client.CallAsync("recall", new { query = "release train" });
            await client.CallAsync("create_entities", new { entities = new object[] { new { name = "Stdio", entityType = "transport", observations = new[] { "speaks JSON-RPC" } } } });
            var graph = await client.CallAsync("read_graph");
            var graphResult = await client.CallToolAsync("read_graph", cancellationToken: Token);
            var resource = await client.ReadResourceAsync($"memory://memories/{id}", cancellationToken: Token);
            var prompt = await client.GetPromptAsync("memory-guide", cancellationToken: Token);
            var bad = await client.CallFailingAsync("get", new { id = "nope" });

            Assert.Equal(29, tools.Count);
            Assert.Equal(id, recalled.GetProperty("results")[0].GetProperty("memory").Str("id"));
            Assert.Equal("Stdio", graph.GetProperty("entities")[0].Str("name"));
            Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(Text(graphResult)).RootElement, graphResult.StructuredContent!.Value));
            Assert.Contains("release train", JsonSerializer.Serialize(resource));
            Assert.NotEmpty(prompt.Messages);
            Assert.Contains("No memory with id 'nope'", bad);
        }

        Assert.True(File.Exists(Path.Combine(data.Path, "memory.db")));
        lock (stderr)
        {
            Assert.Contains(stderr, l => l.Contains("MCP over stdio", StringComparison.Ordinal));
        }

        // A second server process over the same data folder sees what the first stored.
        var again = new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "kmp",
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"), "--stdio"],
            WorkingDirectory = data.Path,
            EnvironmentVariables = new Dictionary<string, string?> { ["KMP_DATA_DIR"] = data.Path },
        });
        await using var second = await McpClient.CreateAsync(again, cancellationToken: Token);
        var got = await second.CallAsync("get", new { id });
        Assert.Equal("Stdio memory about the release train", got.GetProperty("memory").Str("content"));
    }

    [Fact]
    public async Task Stdio_WithCorruptDatabase_ExitsWithAMessageOnStderr()
    {
        using var data = new TempDirectory();
        var garbage = new byte[64 * 1024];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(Path.Combine(data.Path, "memory.db"), garbage, Token);

        await using var server = ServerProcess.Start(data.Path, arguments: "--stdio");
        int exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("cannot start", server.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot start", server.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdio_ActsAsTheConfiguredLocalPrincipal_AndTheEngineChecksIt()
    {
        using var data = new TempDirectory();
        StdioClientTransport As(string principal) => new(new StdioClientTransportOptions
        {
            Name = "kmp-" + principal,
            Command = "dotnet",
            Arguments = [Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"), "--stdio"],
            WorkingDirectory = data.Path,
            EnvironmentVariables = new Dictionary<string, string?>
            {
                ["KMP_DATA_DIR"] = data.Path,
                ["KernelMemoryPlus__Security__LocalPrincipal"] = principal,
                ["KernelMemoryPlus__Security__LocalRole"] = "agent",
            },
        });

        string id;
        await using (var carol = await McpClient.CreateAsync(As("carol"), cancellationToken: Token))
        {
            id = (await carol.CallAsync("remember", new { content = "carol's stdio note", @namespace = "carol-notes", author = "mallory" })).GetProperty("memory").Str("id");
            var settings = await carol.CallAsync("namespace_settings", new { @namespace = "carol-notes" });
            Assert.Equal("carol", settings.Str("owner"));
        }

        await using (var dave = await McpClient.CreateAsync(As("dave"), cancellationToken: Token))
        {
            Assert.Contains("Access denied", await dave.CallFailingAsync("recall", new { query = "stdio note", @namespace = "carol-notes" }), StringComparison.Ordinal);
            Assert.Contains("No memory with id", await dave.CallFailingAsync("get", new { id }), StringComparison.Ordinal);
        }

        await using var again = await McpClient.CreateAsync(As("carol"), cancellationToken: Token);
        Assert.Equal("carol", (await again.CallAsync("get", new { id })).GetProperty("memory").Str("author"));
    }
}
