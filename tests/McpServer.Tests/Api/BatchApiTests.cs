using System.Net;
using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class BatchApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Batch_OfCreates_StoresAllInOneCommitWithAResultPerItem()
    {
        var ns = Api.NewNamespace();
        long before = await _client.LastSequenceAsync();

        var ids = await _client.CreateManyAsync(ns, 12);

        Assert.Equal(12, ids.Distinct().Count());
        var changes = await _client.GetJsonAsync($"/api/v1/changes?namespace={ns}&since={before}");
        var events = changes.GetProperty("changes").EnumerateArray().ToList();
        Assert.Equal(12, events.Count);
        Assert.All(events, e => Assert.Equal("Created", e.GetProperty("operation").GetString()));
        Assert.Single(events.Select(e => e.GetProperty("at").GetString()).Distinct());
        var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(Enumerable.Range(0, 12).Select(i => sequences[0] + i), sequences);
    }

    [Fact]
    public async Task Batch_Mixed_AppliesCreateUpdateAndDeleteWithPerItemResults()
    {
        var ns = Api.NewNamespace();
        var keep = (await _client.CreateAsync(ns, "The office opens at eight")).GetProperty("id").GetString();
        var drop = (await _client.CreateAsync(ns, "The old wiki lives on server nine")).GetProperty("id").GetString();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"create","memory":{"namespace":"{{{ns}}}","content":"The new wiki lives in the cloud"}},
              {"op":"update","id":"{{{keep}}}","changes":{"content":"The office opens at nine"},"expectedVersion":1},
              {"op":"delete","id":"{{{drop}}}","expectedVersion":1}
            ]}
            """);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.ReadJsonAsync();
        Assert.True(body.GetProperty("complete").GetBoolean());
        var results = body.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([201, 200, 204], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(2, results[1].GetProperty("version").GetInt64());
        Assert.Equal("The office opens at nine", (await _client.GetJsonAsync($"/api/v1/memories/{keep}")).GetProperty("content").GetString());
        using var gone = await _client.GetAsync(new Uri($"/api/v1/memories/{drop}", UriKind.Relative), Api.Token);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var created = await _client.GetJsonAsync($"/api/v1/memories/{results[0].GetProperty("id").GetString()}");
        Assert.Equal("The new wiki lives in the cloud", created.GetProperty("content").GetString());
    }

    [Fact]
    public async Task Batch_WithOneInvalidCreate_StoresNothingAndNamesTheItemsField()
    {
        var ns = Api.NewNamespace();
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"fine"}},
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"also fine"}},
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"   "}}
            ]}
            """);

        var problem = await Api.AssertInvalidAsync(response, "items[2].memory.content");
        var results = problem.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([424, 424, 400], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(before, await _client.LastSequenceAsync());
        Assert.DoesNotContain(ns, (await _client.GetJsonAsync("/api/v1/namespaces")).GetProperty("namespaces").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task Batch_WithStaleExpectedVersion_Answers409AndWritesNothing()
    {
        var ns = Api.NewNamespace();
        var target = (await _client.CreateAsync(ns, "Version one")).GetProperty("id").GetString();
        var other = (await _client.CreateAsync(ns, "Untouched")).GetProperty("id").GetString();
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"would be new"}},
              {"op":"Delete","id":"{{{other}}}"},
              {"op":"Update","id":"{{{target}}}","changes":{"content":"Version two"},"expectedVersion":4}
            ]}
            """);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.Conflict);
        var results = problem.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([424, 424, 409], results.Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(1, results[2].GetProperty("currentVersion").GetInt64());
        Assert.Equal(before, await _client.LastSequenceAsync());
        Assert.Equal("Version one", (await _client.GetJsonAsync($"/api/v1/memories/{target}")).GetProperty("content").GetString());
        Assert.Equal(2, (await _client.GetJsonAsync($"/api/v1/memories?namespace={ns}")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Batch_WithUnknownId_Answers404AndWritesNothing()
    {
        var ns = Api.NewNamespace();
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"would be new"}},
              {"op":"Delete","id":"0000000000000000000000000000dead"}
            ]}
            """);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal([424, 404], problem.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("status").GetInt32()));
        Assert.Equal(before, await _client.LastSequenceAsync());
    }

    [Fact]
    public async Task Batch_WithInvalidUpdate_NamesTheChangesFieldAndWritesNothing()
    {
        var ns = Api.NewNamespace();
        var target = (await _client.CreateAsync(ns, "Importance stays")).GetProperty("id").GetString();
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"Create","memory":{"namespace":"{{{ns}}}","content":"would be new"}},
              {"op":"Update","id":"{{{target}}}","changes":{"importance":5}}
            ]}
            """);

        await Api.AssertInvalidAsync(response, "items[1].changes.importance");
        Assert.Equal(before, await _client.LastSequenceAsync());
        Assert.Equal(0.5, (await _client.GetJsonAsync($"/api/v1/memories/{target}")).GetProperty("importance").GetDouble());
    }

    [Fact]
    public async Task Batch_ChangingOneMemoryTwice_Answers400NamingTheSecondItem()
    {
        var ns = Api.NewNamespace();
        var target = (await _client.CreateAsync(ns, "Only once")).GetProperty("id").GetString();
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", $$$"""
            {"items":[
              {"op":"Update","id":"{{{target}}}","changes":{"importance":0.9}},
              {"op":"Delete","id":"{{{target}}}"}
            ]}
            """);

        await Api.AssertInvalidAsync(response, "items[1].id");
        Assert.Equal(before, await _client.LastSequenceAsync());
    }

    [Fact]
    public async Task Batch_WithMoreItemsThanTheLimit_Answers413NamingTheLimit()
    {
        var ns = Api.NewNamespace();
        long before = await _client.LastSequenceAsync();
        var items = Enumerable.Range(0, 1001).Select(i => new { op = "Create", memory = new { @namespace = ns, content = $"n{i}" } });

        using var response = await _client.PostJsonAsync("/api/v1/memories/batch", new { items });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1000, problem.GetProperty("maxBatchItems").GetInt32());
        Assert.Contains("1000", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await _client.LastSequenceAsync());
    }

    [Fact]
    public async Task Batch_Empty_AnswersNoResults()
    {
        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", """{"items":[]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.ReadJsonAsync()).GetProperty("results").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"items":[{"memory":{"namespace":"x","content":"y"}}]}""", "items[0].op")]
    [InlineData("""{"items":[{"op":"Upsert"}]}""", "items[0].op")]
    [InlineData("""{"items":[{"op":"Create"}]}""", "items[0].memory")]
    [InlineData("""{"items":[{"op":"Update","changes":{}}]}""", "items[0].id")]
    [InlineData("""{"items":[{"op":"Update","id":"abc"}]}""", "items[0].changes")]
    [InlineData("""{"items":[null]}""", "items[0]")]
    [InlineData("""{"items":[{"op":"Create","memory":{"namespace":"ok","content":"ok","importance":"very"}}]}""", "items[0].memory.importance")]
    [InlineData("""{"items":[{"op":"Delete","id":"bad\u0001id"}]}""", "items[0].id")]
    [InlineData("""{"items":{"op":"Create"}}""", "items")]
    [InlineData("""{}""", "items")]
    public async Task Batch_MalformedItem_Answers400NamingTheFieldAndWritesNothing(string json, string field)
    {
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(HttpMethod.Post, "/api/v1/memories/batch", json);

        await Api.AssertInvalidAsync(response, field);
        Assert.Equal(before, await _client.LastSequenceAsync());
    }
}
