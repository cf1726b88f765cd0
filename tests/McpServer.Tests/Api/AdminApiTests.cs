using System.Net;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class AdminApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Stats_OfANamespace_CountsItsMemoriesByKindAndLinks()
    {
        var ns = Api.NewNamespace();
        var a = (await _client.CreateAsync(ns, "a fact", "Semantic")).GetProperty("id").GetString();
        var b = (await _client.CreateAsync(ns, "an event")).GetProperty("id").GetString();
        await _client.CreateAsync(ns, "another event");
        using (var link = await _client.PostJsonAsync("/api/v1/links", new { fromId = a, toId = b }))
        {
            Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        }

        var stats = await _client.GetJsonAsync($"/api/v1/admin/stats?namespace={ns}");

        Assert.Equal(1, stats.GetProperty("namespaces").GetInt32());
        Assert.Equal(3, stats.GetProperty("memories").GetInt32());
        Assert.Equal(1, stats.GetProperty("byKind").GetProperty("Semantic").GetInt32());
        Assert.Equal(2, stats.GetProperty("byKind").GetProperty("Episodic").GetInt32());
        Assert.Equal(1, stats.GetProperty("links").GetInt32());
        Assert.Equal("kmp-sqlite", stats.GetProperty("store").GetString());
    }

    [Fact]
    public async Task Reindex_ANamespace_ReloadsItAndReportsCounts()
    {
        var ns = Api.NewNamespace();
        await _client.CreateManyAsync(ns, 4);

        using var response = await _client.PostAsync(new Uri($"/api/v1/admin/reindex?namespace={ns}", UriKind.Relative), null, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        var rebuilt = Assert.Single(body.GetProperty("namespaces").EnumerateArray());
        Assert.Equal(ns, rebuilt.GetProperty("namespace").GetString());
        Assert.Equal(4, rebuilt.GetProperty("memories").GetInt32());
        Assert.True(body.GetProperty("elapsedMilliseconds").GetInt64() >= 0);
        Assert.Equal(4, (await _client.GetJsonAsync($"/api/v1/memories?namespace={ns}")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Reindex_Everything_ReportsEveryNamespace()
    {
        var ns = Api.NewNamespace();
        await _client.CreateManyAsync(ns, 2);

        using var response = await _client.PostAsync(new Uri("/api/v1/admin/reindex", UriKind.Relative), null, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rebuilt = (await response.ReadJsonAsync()).GetProperty("namespaces").EnumerateArray().ToList();
        Assert.Contains(rebuilt, r => r.GetProperty("namespace").GetString() == ns && r.GetProperty("memories").GetInt32() == 2);
    }

    [Fact]
    public async Task Reindex_UnknownNamespace_Answers404()
    {
        using var response = await _client.PostAsync(new Uri($"/api/v1/admin/reindex?namespace={Api.NewNamespace()}", UriKind.Relative), null, Api.Token);

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Compact_FlushesCompactsAndReportsTheStoreFiles()
    {
        var ns = Api.NewNamespace();
        var id = (await _client.CreateAsync(ns, "accessed memory")).GetProperty("id").GetString();
        using (var recall = await _client.PostJsonAsync("/api/v1/recall", new { @namespace = ns, text = "accessed memory" }))
        {
            Assert.Equal(HttpStatusCode.OK, recall.StatusCode);
        }

        using var response = await _client.PostAsync(new Uri("/api/v1/admin/compact", UriKind.Relative), null, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.Equal("kmp-sqlite", body.GetProperty("store").GetString());
        Assert.True(body.GetProperty("flushed").GetBoolean());
        Assert.True(body.GetProperty("compacted").GetBoolean());
        Assert.True(body.GetProperty("databaseBytes").GetInt64() > 0);
        Assert.Contains("was compacted", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, (await _client.GetJsonAsync($"/api/v1/memories/{id}")).GetProperty("accessCount").GetInt64());
    }
}
