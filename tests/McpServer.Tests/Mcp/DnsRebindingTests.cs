using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The /mcp endpoint refuses requests naming a foreign Host or Origin when it listens on loopback.</summary>
public sealed class DnsRebindingTests(McpServerFixture fixture) : IClassFixture<McpServerFixture>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";

    [Theory]
    [InlineData("evil.example.com", null, HttpStatusCode.Forbidden)]
    [InlineData(null, "http://evil.example.com", HttpStatusCode.Forbidden)]
    [InlineData("evil.example.com", "http://evil.example.com", HttpStatusCode.Forbidden)]
    [InlineData("localhost", "http://localhost:3000", HttpStatusCode.OK)]
    [InlineData(null, "http://127.0.0.1", HttpStatusCode.OK)]
    [InlineData(null, null, HttpStatusCode.OK)]
    public async Task Post_ChecksHostAndOrigin(string? host, string? origin, HttpStatusCode expected)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Server.Endpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (host is not null)
        {
            request.Headers.Host = $"{host}:{fixture.Server.BaseAddress.Port}";
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.Forbidden)
        {
            Assert.Contains("DNS rebinding", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task AllowedHosts_AdmitsAConfiguredName()
    {
        await using var server = McpTestServer.Start(new Dictionary<string, string?> { ["KernelMemoryPlus:Mcp:AllowedHosts:0"] = "memory.internal" });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, server.Endpoint) { Content = new StringContent(Initialize, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Host = "memory.internal";

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
