using System.Net;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class ChangesApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Changes_Since_AnswersOnlyLaterChangesInOrder()
    {
        var ns = Api.NewNamespace();
        var id = (await _client.CreateAsync(ns, "first version")).GetProperty("id").GetString();
        var all = await _client.GetJsonAsync($"/api/v1/changes?namespace={ns}");
        long since = all.GetProperty("nextSince").GetInt64();
        using (var patch = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"content":"second version"}"""))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        using (var delete = await _client.DeleteAsync(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Api.Token))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var later = await _client.GetJsonAsync($"/api/v1/changes?namespace={ns}&since={since}");

        var created = Assert.Single(all.GetProperty("changes").EnumerateArray());
        Assert.Equal("Created", created.GetProperty("operation").GetString());
        var events = later.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(["Updated", "Deleted"], events.Select(e => e.GetProperty("operation").GetString()));
        Assert.All(events, e => Assert.Equal(id, e.GetProperty("entityId").GetString()));
        Assert.Equal([2L, 2L], events.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal([since + 1, since + 2], events.Select(e => e.GetProperty("sequence").GetInt64()));
        Assert.False(later.GetProperty("hasMore").GetBoolean());
        Assert.Equal(since + 2, later.GetProperty("nextSince").GetInt64());
    }

    [Fact]
    public async Task Changes_WithLimit_PagesWithHasMore()
    {
        var ns = Api.NewNamespace();
        await _client.CreateManyAsync(ns, 5);

        var first = await _client.GetJsonAsync($"/api/v1/changes?namespace={ns}&limit=3");
        var second = await _client.GetJsonAsync($"/api/v1/changes?namespace={ns}&limit=3&since={first.GetProperty("nextSince").GetInt64()}");

        Assert.Equal(3, first.GetProperty("changes").GetArrayLength());
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        Assert.Equal(2, second.GetProperty("changes").GetArrayLength());
        Assert.False(second.GetProperty("hasMore").GetBoolean());
    }

    [Fact]
    public async Task Namespaces_ListsEveryNamespaceWritten()
    {
        var a = Api.NewNamespace();
        var b = Api.NewNamespace();
        await _client.CreateAsync(a, "in a");
        await _client.CreateAsync(b, "in b");

        var names = (await _client.GetJsonAsync("/api/v1/namespaces")).GetProperty("namespaces").EnumerateArray().Select(n => n.GetString()).ToList();

        Assert.Contains(a, names);
        Assert.Contains(b, names);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
    }
}
