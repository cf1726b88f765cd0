using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class MemoriesApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Create_ValidMemory_Answers201WithLocationETagAndTheMemory()
    {
        var ns = Api.NewNamespace();

        using var response = await _client.PostJsonAsync("/api/v1/memories", new
        {
            @namespace = ns,
            content = "The deploy key rotates every 90 days",
            kind = "semantic",
            tags = new[] { "Ops", "ops", "security" },
            metadata = new Dictionary<string, string> { ["source"] = "runbook" },
            importance = 0.8,
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var memory = await response.ReadJsonAsync();
        var id = memory.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/memories/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("\"1\"", Api.ETagOf(response));
        Assert.Equal(ns, memory.GetProperty("namespace").GetString());
        Assert.Equal("Semantic", memory.GetProperty("kind").GetString());
        Assert.Equal(["ops", "security"], memory.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("runbook", memory.GetProperty("metadata").GetProperty("source").GetString());
        Assert.Equal(0.8, memory.GetProperty("importance").GetDouble());
        Assert.Equal(1, memory.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Get_Existing_AnswersTheMemoryWithItsVersionAsETag()
    {
        var created = await _client.CreateAsync(Api.NewNamespace(), "Coffee is on the third floor");
        var id = created.GetProperty("id").GetString();

        using var response = await _client.GetAsync(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"1\"", Api.ETagOf(response));
        var memory = await response.ReadJsonAsync();
        Assert.Equal("Coffee is on the third floor", memory.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Get_IfNoneMatchCurrentVersion_Answers304WithoutBody()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Lunch is at noon")).GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/memories/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"1\"");

        using var response = await _client.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        Assert.Equal("\"1\"", Api.ETagOf(response));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(Api.Token));
    }

    [Fact]
    public async Task Get_IfNoneMatchOlderVersion_AnswersTheNewVersion()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Standup moved to 9:30")).GetProperty("id").GetString();
        using (var patch = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"importance":0.9}"""))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/memories/{id}");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"1\"");
        using var response = await _client.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", Api.ETagOf(response));
    }

    [Fact]
    public async Task Get_UnknownId_Answers404Problem()
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/memories/0000000000000000000000000000abcd", UriKind.Relative), Api.Token);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("0000000000000000000000000000abcd", problem.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Patch_WithMatchingIfMatch_ChangesTheMemoryAndItsETag()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "The build takes ten minutes")).GetProperty("id").GetString();

        using var response = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"content":"The build takes four minutes","tags":["ci"]}""", r => r.WithIfMatch("\"1\""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", Api.ETagOf(response));
        var memory = await response.ReadJsonAsync();
        Assert.Equal("The build takes four minutes", memory.GetProperty("content").GetString());
        Assert.Equal("ci", memory.GetProperty("tags")[0].GetString());
        Assert.Equal(2, memory.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Patch_WithStaleIfMatch_Answers412WithTheCurrentVersionAndChangesNothing()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Ship on Fridays")).GetProperty("id").GetString();
        using (var first = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"importance":0.7}""", r => r.WithIfMatch("\"1\"")))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var stale = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"content":"Never ship on Fridays"}""", r => r.WithIfMatch("\"1\""));

        var problem = await Api.AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);
        Assert.Equal(2, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal(1, problem.GetProperty("expectedVersion").GetInt64());
        var memory = await _client.GetJsonAsync($"/api/v1/memories/{id}");
        Assert.Equal("Ship on Fridays", memory.GetProperty("content").GetString());
        Assert.Equal(2, memory.GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Patch_WithWeakIfMatch_Answers400NamingIfMatch()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Weak tags do not guard writes")).GetProperty("id").GetString();

        using var response = await _client.SendJsonAsync(HttpMethod.Patch, $"/api/v1/memories/{id}", """{"importance":0.1}""", r => r.WithIfMatch("W/\"1\""));

        await Api.AssertInvalidAsync(response, "If-Match");
        Assert.Equal(1, (await _client.GetJsonAsync($"/api/v1/memories/{id}")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Delete_WithStaleIfMatch_Answers412AndKeepsTheMemory()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Keep me")).GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/memories/{id}").WithIfMatch("\"5\"");

        using var response = await _client.SendAsync(request, Api.Token);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Equal(1, problem.GetProperty("currentVersion").GetInt64());
        Assert.Equal(1, (await _client.GetJsonAsync($"/api/v1/memories/{id}")).GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Delete_WithMatchingIfMatch_Answers204AndTheMemoryIsGone()
    {
        var id = (await _client.CreateAsync(Api.NewNamespace(), "Delete me")).GetProperty("id").GetString();
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/memories/{id}").WithIfMatch("\"1\"");

        using var response = await _client.SendAsync(request, Api.Token);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        using var gone = await _client.GetAsync(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Api.Token);
        await Api.AssertProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_UnknownId_Answers404Problem()
    {
        using var response = await _client.DeleteAsync(new Uri("/api/v1/memories/00000000000000000000000000000404", UriKind.Relative), Api.Token);

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task List_CursorPaging_AnswersEveryMemoryExactlyOnce()
    {
        var ns = Api.NewNamespace();
        var ids = await _client.CreateManyAsync(ns, 23);
        var seen = new List<string>();
        string? cursor = null;
        int pages = 0;

        do
        {
            var page = await _client.GetJsonAsync($"/api/v1/memories?namespace={ns}&limit=5" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 20);

        Assert.Equal(5, pages);
        Assert.Equal(23, seen.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_ByKindAndTag_AnswersOnlyMatchingMemories()
    {
        var ns = Api.NewNamespace();
        var fact = await _client.CreateAsync(ns, "Berlin is the capital of Germany", "Semantic", "geo");
        await _client.CreateAsync(ns, "Visited Berlin last spring", "Episodic", "geo");
        await _client.CreateAsync(ns, "Water boils at 100 degrees", "Semantic", "physics");

        var page = await _client.GetJsonAsync($"/api/v1/memories?namespace={ns}&kind=semantic&tag=GEO");

        var item = Assert.Single(page.GetProperty("items").EnumerateArray());
        Assert.Equal(fact.GetProperty("id").GetString(), item.GetProperty("id").GetString());
    }

    [Fact]
    public async Task List_AsNdjson_StreamsEveryMemoryOfEveryPage()
    {
        var ns = Api.NewNamespace();
        var ids = await _client.CreateManyAsync(ns, 31);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/memories?namespace={ns}&limit=7");
        request.Headers.Accept.Add(Api.Ndjson);

        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Api.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Api.Token));
        var streamed = new List<string>();
        while (await reader.ReadLineAsync(Api.Token) is { } line)
        {
            using var memory = JsonDocument.Parse(line);
            Assert.Equal(ns, memory.RootElement.GetProperty("namespace").GetString());
            streamed.Add(memory.RootElement.GetProperty("id").GetString()!);
        }

        Assert.Equal(ids.Order(StringComparer.Ordinal), streamed.Order(StringComparer.Ordinal));
        Assert.Equal(streamed.OrderDescending(StringComparer.Ordinal), streamed);
    }

    [Fact]
    public async Task List_AsNdjsonWithInvalidLimit_AnswersProblemNotAStream()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/memories?namespace={Api.NewNamespace()}&limit=0");
        request.Headers.Accept.Add(Api.Ndjson);

        using var response = await _client.SendAsync(request, Api.Token);

        await Api.AssertInvalidAsync(response, "limit");
    }
}
