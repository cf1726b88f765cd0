using System.Net;
using System.Text;

namespace KernelMemoryPlus.Server.Tests.Api;

/// <summary>
/// Every endpoint, fed malformed JSON, wrong types, missing or empty fields, oversized and hostile values: each is
/// answered with a problem 4xx naming the field (or the limit), the server goes on answering, and nothing is written.
/// </summary>
public sealed class BadInputTests(BadInputTests.Server server) : IClassFixture<BadInputTests.Server>
{
    private const string Ns = "bad-input";
    private static readonly string TooLong = new('x', 32_769);

    // 44,000 UTF-16 characters (emoji surrogate pairs, CJK, Arabic): over the content limit, under the body limit.
    private static readonly string HugeUnicode = string.Concat(Enumerable.Repeat("\U0001F9E0\u4E2D\u0627", 11_000));

    private readonly HttpClient _client = server.Client;

    public static TheoryData<string, string, string, string> BadBodies => new()
    {
        // Create.
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"abc""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input",,"content":"x"}""", "body" },
        { "POST", "/api/v1/memories", """not json""", "body" },
        { "POST", "/api/v1/memories", """[1,2]""", "body" },
        { "POST", "/api/v1/memories", """null""", "body" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","importance":"high"}""", "importance" },
        { "POST", "/api/v1/memories", """{"namespace":7,"content":"x"}""", "namespace" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","tags":[1]}""", "tags[0]" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","metadata":{"k":{}}}""", "metadata.k" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","occurredAt":"yesterday"}""", "occurredAt" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","kind":"Dream"}""", "kind" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","kind":1}""", "kind" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input"}""", "content" },
        { "POST", "/api/v1/memories", """{"content":"x"}""", "namespace" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":""}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":" \t\n "}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"{long}"}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"{huge}"}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"a\u0000b"}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"lone \ud800 surrogate"}""", "content" },
        { "POST", "/api/v1/memories", """{"namespace":"x'; DROP TABLE kmp_memories; --","content":"x"}""", "namespace" },
        { "POST", "/api/v1/memories", """{"namespace":"../../etc","content":"x"}""", "namespace" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","tags":["ok","bad\u0007tag"]}""", "tags[1]" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","metadata":{"bad key\"":"v"}}""", "metadata.bad key\"" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","importance":1e999}""", "importance" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","embedding":[0.5,0.5]}""", "embedding" },
        { "POST", "/api/v1/memories", """{"namespace":"bad-input","content":"x","validFrom":"2030-01-01T00:00:00Z","validTo":"2020-01-01T00:00:00Z"}""", "validTo" },

        // Batch.
        { "POST", "/api/v1/memories/batch", """{"items":[{"op":"Create",""", "items[0]" },
        { "POST", "/api/v1/memories/batch", """{"items":"all"}""", "items" },
        { "POST", "/api/v1/memories/batch", """{"items":[{"op":"Create","memory":{"namespace":"bad-input","content":""}}]}""", "items[0].memory.content" },
        { "POST", "/api/v1/memories/batch", """{"items":[{"op":"Create","memory":{"namespace":"bad-input","content":"{long}"}}]}""", "items[0].memory.content" },
        { "POST", "/api/v1/memories/batch", """{"items":[{"op":"Create","memory":{"namespace":"bad input","content":"x"}}]}""", "items[0].memory.namespace" },

        // Update.
        { "PATCH", "/api/v1/memories/{id}", """{"content":""", "content" },
        { "PATCH", "/api/v1/memories/{id}", """{"importance":"high"}""", "importance" },
        { "PATCH", "/api/v1/memories/{id}", """{"pinned":"yes"}""", "pinned" },
        { "PATCH", "/api/v1/memories/{id}", """{"content":""}""", "content" },
        { "PATCH", "/api/v1/memories/{id}", """{"content":"{long}"}""", "content" },
        { "PATCH", "/api/v1/memories/{id}", """{"content":"nul \u0000 inside"}""", "content" },
        { "PATCH", "/api/v1/memories/{id}", """{"importance":-0.1}""", "importance" },
        { "PATCH", "/api/v1/memories/{id}", """{"tags":[""]}""", "tags[0]" },
        { "PATCH", "/api/v1/memories/{id}", """null""", "body" },

        // Recall.
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":""", "text" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","limit":"ten"}""", "limit" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input"}""", "text" },
        { "POST", "/api/v1/recall", """{"text":"x"}""", "namespace" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"   "}""", "text" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"{long}"}""", "text" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","limit":0}""", "limit" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","limit":1001}""", "limit" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","minScore":2}""", "minScore" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","spreadDepth":9}""", "spreadDepth" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","filter":{"kinds":["Dream"]}}""", "filter.kinds[0]" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x","weights":{"relevance":-1}}""", "weights.Relevance" },
        { "POST", "/api/v1/recall", """{"namespace":"bad-input","text":"x\u0000y"}""", "text" },

        // Links.
        { "POST", "/api/v1/links", """{"fromId":"{id}",""", "body" },
        { "POST", "/api/v1/links", """{"fromId":"{id}","toId":"{id}","weight":"heavy"}""", "weight" },
        { "POST", "/api/v1/links", """{"fromId":"{id}"}""", "toId" },
        { "POST", "/api/v1/links", """{"toId":"{id}"}""", "fromId" },
        { "POST", "/api/v1/links", """{"fromId":"{id}","toId":"{other}","weight":3}""", "weight" },
        { "POST", "/api/v1/links", """{"fromId":"{id}","toId":"{other}","type":"a b'; DROP TABLE kmp_links; --"}""", "type" },
        { "POST", "/api/v1/links", """{"fromId":"{id}","toId":"{other}","bidirectional":"sometimes"}""", "bidirectional" },
    };

    public static TheoryData<string, string, string> BadQueries => new()
    {
        { "GET", "/api/v1/memories?namespace=bad-input&limit=0", "limit" },
        { "GET", "/api/v1/memories?namespace=bad-input&limit=1001", "limit" },
        { "GET", "/api/v1/memories?namespace=bad-input&limit=ten", "limit" },
        { "GET", "/api/v1/memories?namespace=bad-input&limit=99999999999", "limit" },
        { "GET", "/api/v1/memories?limit=5", "namespace" },
        { "GET", "/api/v1/memories?namespace=bad%00input", "namespace" },
        { "GET", "/api/v1/memories?namespace=bad-input&kind=Dream", "kind" },
        { "GET", "/api/v1/memories?namespace=bad-input&kind=2", "kind" },
        { "GET", "/api/v1/memories?namespace=bad-input&cursor=not-a-cursor", "cursor" },
        { "GET", "/api/v1/memories?namespace=bad-input&includeExpired=perhaps", "includeExpired" },
        { "GET", "/api/v1/memories/bad%01id", "id" },
        { "GET", "/api/v1/memories/{id}/links?direction=sideways", "direction" },
        { "GET", "/api/v1/memories/{id}/links?type=no%20spaces%20allowed", "type" },
        { "GET", "/api/v1/memories/{id}/associations?depth=9", "depth" },
        { "GET", "/api/v1/memories/{id}/associations?depth=deep", "depth" },
        { "GET", "/api/v1/memories/{id}/associations?minActivation=2", "minActivation" },
        { "GET", "/api/v1/memories/{id}/associations?limit=0", "limit" },
        { "GET", "/api/v1/changes?since=-1", "since" },
        { "GET", "/api/v1/changes?since=yesterday", "since" },
        { "GET", "/api/v1/changes?limit=0", "limit" },
        { "GET", "/api/v1/changes?namespace=%27%3B%20DROP%20TABLE%20kmp_changes", "namespace" },
        { "GET", "/api/v1/admin/stats?namespace=no%20spaces", "namespace" },
        { "POST", "/api/v1/admin/reindex?namespace=..%2Fescape", "namespace" },
        { "DELETE", "/api/v1/links?toId={id}", "fromId" },
        { "DELETE", "/api/v1/links?fromId={id}&toId={other}&type=bad%20type", "type" },
        { "DELETE", "/api/v1/memories/bad%01id", "id" },
    };

    public static TheoryData<string, string> BodyEndpoints => new()
    {
        { "POST", "/api/v1/memories" },
        { "POST", "/api/v1/memories/batch" },
        { "PATCH", "/api/v1/memories/{id}" },
        { "POST", "/api/v1/recall" },
        { "POST", "/api/v1/links" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task BadBody_Answers400NamingTheField_AndWritesNothing(string method, string path, string json, string field)
    {
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(new HttpMethod(method), server.Fill(path), server.Fill(json));

        await Api.AssertInvalidAsync(response, field);
        await AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BadQueries))]
    public async Task BadQueryOrRoute_Answers400NamingTheParameter_AndWritesNothing(string method, string path, string field)
    {
        long before = await _client.LastSequenceAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), server.Fill(path));

        using var response = await _client.SendAsync(request, Api.Token);

        await Api.AssertInvalidAsync(response, field);
        await AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task OversizedBody_Answers413StatingTheLimit_AndWritesNothing(string method, string path)
    {
        long before = await _client.LastSequenceAsync();
        var json = $$"""{"namespace":"bad-input","content":"{{new string('a', 1_100_000)}}"}""";

        using var response = await _client.SendJsonAsync(new HttpMethod(method), server.Fill(path), json);

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1_048_576, problem.GetProperty("maxBodyBytes").GetInt64());
        Assert.Contains("1048576", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task OversizedChunkedBody_Answers413StatingTheLimit_AndWritesNothing(string method, string path)
    {
        long before = await _client.LastSequenceAsync();
        var bytes = Encoding.UTF8.GetBytes($$"""{"namespace":"bad-input","content":"{{new string('a', 1_100_000)}}"}""");
        using var request = new HttpRequestMessage(new HttpMethod(method), server.Fill(path))
        {
            // A stream of unknown length goes out chunked: no Content-Length for the server to check up front.
            Content = new StreamContent(new UnknownLengthStream(bytes)),
        };
        request.Content.Headers.ContentType = new("application/json");

        using var response = await _client.SendAsync(request, Api.Token);

        Assert.Null(request.Content.Headers.ContentLength);
        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1_048_576, problem.GetProperty("maxBodyBytes").GetInt64());
        await AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task NonJsonBody_Answers415_AndWritesNothing(string method, string path)
    {
        long before = await _client.LastSequenceAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), server.Fill(path)) { Content = new StringContent("namespace=x&content=y", Encoding.UTF8, "application/x-www-form-urlencoded") };

        using var response = await _client.SendAsync(request, Api.Token);

        await Api.AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        await AssertUnchangedAsync(before);
    }

    [Theory]
    [MemberData(nameof(BodyEndpoints))]
    public async Task EmptyBody_Answers400NamingTheBody_AndWritesNothing(string method, string path)
    {
        long before = await _client.LastSequenceAsync();

        using var response = await _client.SendJsonAsync(new HttpMethod(method), server.Fill(path), string.Empty);

        await Api.AssertInvalidAsync(response, "body");
        await AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task UnknownPathUnderApi_Answers404Problem()
    {
        using var response = await _client.GetAsync(new Uri("/api/v1/nothing-here", UriKind.Relative), Api.Token);

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task HostileButValidStrings_AreStoredVerbatim()
    {
        var content = "'; DROP TABLE kmp_memories; -- \"NEAR\" OR * ^ \u202Eright-to-left\u202C " + HugeUnicode[..3000];
        using var response = await _client.PostJsonAsync("/api/v1/memories", new { @namespace = Ns, content, tags = new[] { "sql'--", "fts\"*" }, metadata = new Dictionary<string, string> { ["k"] = "v'; --" } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetString();
        var stored = await _client.GetJsonAsync($"/api/v1/memories/{id}");
        Assert.Equal(content, stored.GetProperty("content").GetString());
        Assert.Equal("v'; --", stored.GetProperty("metadata").GetProperty("k").GetString());
        var listed = await _client.GetJsonAsync($"/api/v1/memories?namespace={Ns}&tag={Uri.EscapeDataString("fts\"*")}");
        Assert.Contains(listed.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetString() == id);
    }

    /// <summary>The server still answers, and the change feed did not move: nothing was written, not even in part.</summary>
    private async Task AssertUnchangedAsync(long before)
    {
        using var health = await _client.GetAsync(new Uri("/healthz", UriKind.Relative), Api.Token);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(before, await _client.LastSequenceAsync());
        var memory = await _client.GetJsonAsync($"/api/v1/memories/{server.Id}");
        Assert.Equal("The seed memory", memory.GetProperty("content").GetString());
        Assert.Equal(1, memory.GetProperty("version").GetInt64());
    }

    public sealed class Server : ApiServer
    {
        public string Id { get; private set; } = "";

        public string Other { get; private set; } = "";

        public string Fill(string template) => template
            .Replace("{id}", Id, StringComparison.Ordinal)
            .Replace("{other}", Other, StringComparison.Ordinal)
            .Replace("{long}", TooLong, StringComparison.Ordinal)
            .Replace("{huge}", HugeUnicode, StringComparison.Ordinal);

        protected override async ValueTask SeedAsync(HttpClient client)
        {
            Id = (await client.CreateAsync(Ns, "The seed memory")).GetProperty("id").GetString()!;
            Other = (await client.CreateAsync(Ns, "Another seed memory")).GetProperty("id").GetString()!;
        }
    }

    /// <summary>A readable stream that does not tell its length, so HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
