using System.Net;

namespace KernelMemoryPlus.Server.Tests.Api;

public sealed class LinksApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Link_ThenLinksAndAssociations_FollowTheChain()
    {
        var ns = Api.NewNamespace();
        var ids = await _client.CreateManyAsync(ns, 3, "chain");
        await LinkAsync(ids[0], ids[1], "causes", 0.9);
        await LinkAsync(ids[1], ids[2], "causes", 0.8);

        var outgoing = (await _client.GetJsonAsync($"/api/v1/memories/{ids[1]}/links?direction=outgoing")).GetProperty("links").EnumerateArray().ToList();
        var incoming = (await _client.GetJsonAsync($"/api/v1/memories/{ids[1]}/links?direction=Incoming&type=causes")).GetProperty("links").EnumerateArray().ToList();
        var associations = (await _client.GetJsonAsync($"/api/v1/memories/{ids[0]}/associations?depth=2")).GetProperty("associations").EnumerateArray().ToList();

        Assert.Equal(ids[2], Assert.Single(outgoing).GetProperty("toId").GetString());
        Assert.Equal(ids[0], Assert.Single(incoming).GetProperty("fromId").GetString());
        Assert.Equal([ids[1], ids[2]], associations.Select(a => a.GetProperty("memory").GetProperty("id").GetString()));
        Assert.Equal([1, 2], associations.Select(a => a.GetProperty("hops").GetInt32()));
        Assert.Equal("causes", associations[1].GetProperty("linkType").GetString());
        Assert.Equal(ids[1], associations[1].GetProperty("viaId").GetString());
        Assert.True(associations[0].GetProperty("activation").GetDouble() > associations[1].GetProperty("activation").GetDouble());
    }

    [Fact]
    public async Task Link_SameTypeTwice_UpdatesTheLink()
    {
        var ids = await _client.CreateManyAsync(Api.NewNamespace(), 2);
        await LinkAsync(ids[0], ids[1], "related_to", 0.2);

        var link = await LinkAsync(ids[0], ids[1], "RELATED_TO", 0.6);

        Assert.Equal("related_to", link.GetProperty("type").GetString());
        Assert.Equal(0.6, link.GetProperty("weight").GetDouble());
        Assert.Single((await _client.GetJsonAsync($"/api/v1/memories/{ids[0]}/links")).GetProperty("links").EnumerateArray());
    }

    [Fact]
    public async Task Unlink_RemovesTheLinksAndSaysHowMany()
    {
        var ids = await _client.CreateManyAsync(Api.NewNamespace(), 2);
        await LinkAsync(ids[0], ids[1], "causes", 0.5);
        await LinkAsync(ids[0], ids[1], "precedes", 0.5);

        using var one = await _client.DeleteAsync(new Uri($"/api/v1/links?fromId={ids[0]}&toId={ids[1]}&type=causes", UriKind.Relative), Api.Token);
        var links = (await _client.GetJsonAsync($"/api/v1/memories/{ids[0]}/links")).GetProperty("links").EnumerateArray().ToList();
        using var rest = await _client.DeleteAsync(new Uri($"/api/v1/links?fromId={ids[0]}&toId={ids[1]}", UriKind.Relative), Api.Token);

        Assert.Equal(1, (await one.ReadJsonAsync()).GetProperty("removed").GetInt32());
        Assert.Equal("precedes", Assert.Single(links).GetProperty("type").GetString());
        Assert.Equal(1, (await rest.ReadJsonAsync()).GetProperty("removed").GetInt32());
        Assert.Empty((await _client.GetJsonAsync($"/api/v1/memories/{ids[0]}/links")).GetProperty("links").EnumerateArray());
    }

    [Fact]
    public async Task Link_ToAnUnknownMemory_Answers404AndLinksNothing()
    {
        var ids = await _client.CreateManyAsync(Api.NewNamespace(), 1);
        long before = await _client.LastSequenceAsync();

        using var response = await _client.PostJsonAsync("/api/v1/links", new { fromId = ids[0], toId = "00000000000000000000000000000000" });

        await Api.AssertProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal(before, await _client.LastSequenceAsync());
    }

    [Fact]
    public async Task Link_ToItself_Answers400NamingToId()
    {
        var ids = await _client.CreateManyAsync(Api.NewNamespace(), 1);

        using var response = await _client.PostJsonAsync("/api/v1/links", new { fromId = ids[0], toId = ids[0] });

        await Api.AssertInvalidAsync(response, "toId");
    }

    private async Task<System.Text.Json.JsonElement> LinkAsync(string from, string to, string type, double weight)
    {
        using var response = await _client.PostJsonAsync("/api/v1/links", new { fromId = from, toId = to, type, weight });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }
}
