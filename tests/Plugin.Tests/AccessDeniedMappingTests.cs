using System.Net;
using System.Text;
using System.Text.Json;

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>
/// The server's refusals (REST 403 problems, MCP tool errors "Access denied: ...") become the engine's
/// <see cref="MemoryAccessDeniedException"/> in the remote clients, with the server's reason. Answered by fake servers,
/// so no keys or grants are needed (the live refusals are covered by the server's SharingTests and sample 02).
/// </summary>
public sealed class AccessDeniedMappingTests
{
    private const string Reason = "bob may not read namespace 'team/x': it belongs to someone else and nothing in it was shared with it.";

    private static AgentMemoryOptions Options(AgentMemoryMode mode) =>
        new() { Mode = mode, BaseUrl = new Uri("http://memory.test"), ApiKey = "kmp_test_key", Timeout = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task Rest_Forbidden_BecomesMemoryAccessDenied_WithTheProblemsDetail()
    {
        var ct = TestContext.Current.CancellationToken;
        using var handler = new FakeRest(HttpStatusCode.Forbidden, $$"""{"type":"about:blank","title":"Access denied.","status":403,"detail":"{{Reason}}"}""");
        using var http = new HttpClient(handler);
        await using var memory = new RestAgentMemory(http, Options(AgentMemoryMode.Rest));

        var recall = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => memory.RecallAsync(new RecallQuery { Namespace = "team/x", Text = "anything" }, ct));
        var write = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => memory.RememberAsync(new NewMemory { Namespace = "team/x", Content = "a note" }, ct));

        Assert.Equal(Reason, recall.Message);
        Assert.Equal(Reason, write.Message);
        Assert.Equal("kmp_test_key", handler.LastApiKey);
    }

    [Fact]
    public async Task Rest_ForbiddenWithoutAProblem_StillBecomesMemoryAccessDenied()
    {
        var ct = TestContext.Current.CancellationToken;
        using var handler = new FakeRest(HttpStatusCode.Forbidden, "<html>Forbidden</html>");
        using var http = new HttpClient(handler);
        await using var memory = new RestAgentMemory(http, Options(AgentMemoryMode.Rest));

        var denied = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => memory.GetAsync("m1", ct));

        Assert.Contains("403", denied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rest_OtherRefusals_StayAgentMemoryExceptions()
    {
        var ct = TestContext.Current.CancellationToken;
        using var handler = new FakeRest(HttpStatusCode.UnprocessableEntity, """{"title":"Unprocessable.","status":422}""");
        using var http = new HttpClient(handler);
        await using var memory = new RestAgentMemory(http, Options(AgentMemoryMode.Rest));

        var refused = await Assert.ThrowsAsync<AgentMemoryException>(() => memory.RecallAsync(new RecallQuery { Namespace = "team/x", Text = "anything" }, ct));

        Assert.Equal(422, refused.StatusCode);
    }

    [Fact]
    public async Task Mcp_AccessDeniedToolError_BecomesMemoryAccessDenied_AndPrivateIsSent()
    {
        var ct = TestContext.Current.CancellationToken;
        using var handler = new FakeMcp("Access denied: " + Reason);
        using var http = new HttpClient(handler);
        await using var memory = new McpAgentMemory(http, Options(AgentMemoryMode.Mcp));

        var write = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => memory.RememberAsync(new NewMemory { Namespace = "team/x", Content = "a note", Private = true }, ct));
        var sent = handler.LastArguments;
        var recall = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => memory.RecallAsync(new RecallQuery { Namespace = "team/x", Text = "anything" }, ct));

        Assert.Equal(Reason, write.Message);
        Assert.Equal(Reason, recall.Message);
        Assert.True(sent.TryGetProperty("private", out var isPrivate) && isPrivate.GetBoolean());
        Assert.Equal("kmp_test_key", handler.LastApiKey);
    }

    [Fact]
    public async Task Mcp_OtherToolErrors_StayAgentMemoryExceptions()
    {
        var ct = TestContext.Current.CancellationToken;
        using var handler = new FakeMcp("Invalid content: The content must not be empty. (Access denied: is not a prefix here)");
        using var http = new HttpClient(handler);
        await using var memory = new McpAgentMemory(http, Options(AgentMemoryMode.Mcp));

        var error = await Assert.ThrowsAsync<AgentMemoryException>(() => memory.RememberAsync(new NewMemory { Namespace = "team/x", Content = "a note" }, ct));

        Assert.StartsWith("Invalid content", error.Message, StringComparison.Ordinal);
        Assert.False(handler.LastArguments.TryGetProperty("private", out _));
    }

    /// <summary>Answers every REST request with one status and body.</summary>
    private sealed class FakeRest(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public string? LastApiKey { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            LastApiKey = request.Headers.TryGetValues("X-Api-Key", out var values) ? values.Single() : null;
            return Task.FromResult(new HttpResponseMessage(status)
            {
                Content = new StringContent(body, Encoding.UTF8, body.StartsWith('{') ? "application/problem+json" : "text/html"),
            });
        }
    }

    /// <summary>
    /// A minimal MCP server over Streamable HTTP: initialize succeeds, every tool call answers an isError result with
    /// the given text (as the server's ToolErrorFilter does), and the call's arguments are kept.
    /// </summary>
    private sealed class FakeMcp(string toolError) : HttpMessageHandler
    {
        public JsonElement LastArguments { get; private set; }

        public string? LastApiKey { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method != HttpMethod.Post || request.Content is null)
            {
                return new HttpResponseMessage(HttpStatusCode.MethodNotAllowed);
            }

            LastApiKey = request.Headers.TryGetValues("X-Api-Key", out var values) ? values.Single() : null;
            using var message = JsonDocument.Parse(await request.Content.ReadAsStringAsync(cancellationToken));
            var root = message.RootElement;
            if (!root.TryGetProperty("id", out var id))
            {
                return new HttpResponseMessage(HttpStatusCode.Accepted); // a notification
            }

            var method = root.GetProperty("method").GetString();
            if (method == "tools/call")
            {
                LastArguments = root.GetProperty("params").GetProperty("arguments").Clone();
            }

            object answer = method switch
            {
                "initialize" => new
                {
                    jsonrpc = "2.0",
                    id = id.Clone(),
                    result = new
                    {
                        protocolVersion = root.GetProperty("params").GetProperty("protocolVersion").GetString(),
                        capabilities = new { tools = new { } },
                        serverInfo = new { name = "fake", version = "1.0" },
                    },
                },
                "tools/call" => new { jsonrpc = "2.0", id = id.Clone(), result = new { content = new[] { new { type = "text", text = toolError } }, isError = true } },
                // Anything else (a newer protocol revision's discovery request, for example) is unknown here, as on an
                // older server: the client falls back to initialize.
                _ => new { jsonrpc = "2.0", id = id.Clone(), error = new { code = -32601, message = "Method not found" } },
            };
            return Answer(answer);
        }

        private static HttpResponseMessage Answer(object message) =>
            new(HttpStatusCode.OK) { Content = new StringContent(JsonSerializer.Serialize(message), Encoding.UTF8, "application/json") };
    }
}
