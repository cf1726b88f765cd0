using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed partial class OpenApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private static readonly (string Method, string Path)[] Endpoints =
    [
        ("post", "/api/v1/memories"),
        ("get", "/api/v1/memories"),
        ("post", "/api/v1/memories/batch"),
        ("get", "/api/v1/memories/{id}"),
        ("patch", "/api/v1/memories/{id}"),
        ("delete", "/api/v1/memories/{id}"),
        ("post", "/api/v1/recall"),
        ("post", "/api/v1/links"),
        ("delete", "/api/v1/links"),
        ("get", "/api/v1/memories/{id}/links"),
        ("get", "/api/v1/memories/{id}/associations"),
        ("get", "/api/v1/changes"),
        ("get", "/api/v1/namespaces"),
        ("get", "/api/v1/admin/stats"),
        ("post", "/api/v1/admin/reindex"),
        ("post", "/api/v1/admin/compact"),
        ("get", "/api/v1/admin/audit"),
        ("get", "/api/v1/namespaces/{ns}"),
        ("put", "/api/v1/namespaces/{ns}/policy"),
        ("put", "/api/v1/namespaces/{ns}/owner"),
        ("get", "/api/v1/namespaces/{ns}/grants"),
        ("post", "/api/v1/namespaces/{ns}/grants"),
        ("get", "/api/v1/grants"),
        ("delete", "/api/v1/grants/{id}"),
        ("get", "/api/v1/namespaces/{ns}/conflicts"),
    ];

    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task OpenApiDocument_ListsEveryEndpointWithSummaryDescriptionAndDescribedParameters()
    {
        var document = await _client.GetJsonAsync("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        var listed = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (o.Name, p.Name))).ToHashSet();
        Assert.Equal(Endpoints.ToHashSet(), listed);
        foreach (var (method, path) in Endpoints)
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("description").GetString()), $"{method} {path} has no description");
            if (operation.TryGetProperty("parameters", out var parameters))
            {
                foreach (var parameter in parameters.EnumerateArray())
                {
                    Assert.False(string.IsNullOrWhiteSpace(parameter.GetProperty("description").GetString()), $"{method} {path}: parameter {parameter.GetProperty("name")} has no description");
                }
            }

            if (operation.TryGetProperty("requestBody", out var body))
            {
                Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("description").GetString()), $"{method} {path}: the body has no description");
            }
        }
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEnumsAsNamesAndTheNdjsonListing()
    {
        var document = await _client.GetJsonAsync("/openapi/v1.json");

        var kinds = document.GetProperty("components").GetProperty("schemas").GetProperty("MemoryKind").GetProperty("enum");
        Assert.Equal(["Episodic", "Semantic", "Procedural"], kinds.EnumerateArray().Select(k => k.GetString()));
        var listing = document.GetProperty("paths").GetProperty("/api/v1/memories").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.EndsWith("/MemoryPage", listing.GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("/MemoryRecord", listing.GetProperty("application/x-ndjson").GetProperty("schema").GetProperty("$ref").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReferencePage_Answers200AndLoadsItsScriptsFromThisServer()
    {
        using var page = await _client.GetAsync(new Uri("/api/reference/", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync(Api.Token);
        var scripts = ScriptSource().Matches(html).Select(m => m.Groups["src"].Value).ToList();
        Assert.NotEmpty(scripts);
        Assert.DoesNotContain("//", string.Concat(scripts), StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.Contains("\"withDefaultFonts\":false", html, StringComparison.Ordinal);
        foreach (var script in scripts)
        {
            using var asset = await _client.GetAsync(new Uri("/api/reference/" + script, UriKind.Relative), Api.Token);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Contains("javascript", asset.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("<script[^>]*\\ssrc=\"(?<src>[^\"]+)\"")]
    private static partial Regex ScriptSource();
}
