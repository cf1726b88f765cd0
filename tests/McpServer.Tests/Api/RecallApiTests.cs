using System.Net;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class RecallApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Recall_AnswersTheMostRelevantMemoryFirstWithItsScoreExplained()
    {
        var ns = Api.NewNamespace();
        var target = (await _client.CreateAsync(ns, "The staging database password rotates every Monday")).GetProperty("id").GetString();
        await _client.CreateAsync(ns, "Team lunch is on Thursdays at the Italian place");
        await _client.CreateAsync(ns, "The printer on floor two is broken");

        using var response = await _client.PostJsonAsync("/api/v1/recall", new { @namespace = ns, text = "when does the database password rotate", limit = 2 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray().ToList();
        Assert.InRange(results.Count, 1, 2);
        var best = results[0];
        Assert.Equal(target, best.GetProperty("memory").GetProperty("id").GetString());
        double score = best.GetProperty("score").GetDouble();
        Assert.InRange(score, 0.0001, 1);
        var explanation = best.GetProperty("explanation");
        Assert.Equal(1, explanation.GetProperty("keywordRank").GetInt32());
        Assert.InRange(explanation.GetProperty("relevance").GetDouble(), 0.0001, 1);
        Assert.InRange(explanation.GetProperty("recency").GetDouble(), 0, 1);
        Assert.Equal(0.5, explanation.GetProperty("importance").GetDouble());
    }

    [Fact]
    public async Task Recall_WithExplainFalseAndAKindFilter_AnswersOnlyThatKindWithoutExplanations()
    {
        var ns = Api.NewNamespace();
        var fact = (await _client.CreateAsync(ns, "Rust compiles to native code", "Semantic")).GetProperty("id").GetString();
        await _client.CreateAsync(ns, "Wrote Rust code all afternoon", "Episodic");

        using var response = await _client.PostJsonAsync("/api/v1/recall", new { @namespace = ns, text = "rust code", explain = false, filter = new { kinds = new[] { "semantic" } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = Assert.Single((await response.ReadJsonAsync()).GetProperty("results").EnumerateArray());
        Assert.Equal(fact, result.GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("explanation").ValueKind);
    }

    [Fact]
    public async Task Recall_TextFullOfQueryMetacharacters_IsJustText()
    {
        var ns = Api.NewNamespace();
        var hostile = "\"quoted\" OR content:* NEAR(a b) -- '; DROP TABLE kmp_memories; -- ^ ( ) * %_ \\";
        var stored = (await _client.CreateAsync(ns, hostile)).GetProperty("id").GetString();

        using var response = await _client.PostJsonAsync("/api/v1/recall", new { @namespace = ns, text = hostile });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = Assert.Single((await response.ReadJsonAsync()).GetProperty("results").EnumerateArray());
        Assert.Equal(stored, result.GetProperty("memory").GetProperty("id").GetString());
        Assert.Equal(hostile, (await _client.GetJsonAsync($"/api/v1/memories/{stored}")).GetProperty("content").GetString());
    }
}
