using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KernelMemoryPlus.Server.Tests.Api;

/// <summary>The REST limits follow the KernelMemoryPlus:Api settings.</summary>
public sealed class ApiLimitsTests(ApiLimitsTests.SmallLimitsServer server) : IClassFixture<ApiLimitsTests.SmallLimitsServer>
{
    private readonly HttpClient _client = server.Client;

    [Fact]
    public async Task Body_OverTheConfiguredLimit_Answers413StatingIt()
    {
        var ns = Api.NewNamespace();

        using var response = await _client.PostJsonAsync("/api/v1/memories", new { @namespace = ns, content = new string('a', 5000) });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(4096, problem.GetProperty("maxBodyBytes").GetInt64());
        Assert.Contains("KernelMemoryPlus:Api:MaxBodyBytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_UnderTheConfiguredLimit_IsStored()
    {
        var created = await _client.CreateAsync(Api.NewNamespace(), new string('a', 3000));

        Assert.Equal(3000, created.GetProperty("content").GetString()!.Length);
    }

    [Fact]
    public async Task Batch_OverTheConfiguredItemLimit_Answers413NamingIt()
    {
        var ns = Api.NewNamespace();
        long before = await _client.LastSequenceAsync();
        var items = Enumerable.Range(0, 4).Select(i => new { op = "Create", memory = new { @namespace = ns, content = $"n{i}" } });

        using var response = await _client.PostJsonAsync("/api/v1/memories/batch", new { items });

        var problem = await Api.AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(3, problem.GetProperty("maxBatchItems").GetInt32());
        Assert.Contains("KernelMemoryPlus:Api:MaxBatchItems", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await _client.LastSequenceAsync());
    }

    [Fact]
    public async Task Batch_AtTheConfiguredItemLimit_IsStored()
    {
        Assert.Equal(3, (await _client.CreateManyAsync(Api.NewNamespace(), 3)).Count);
    }

    [Fact]
    public async Task Server_WithANonPositiveBodyLimit_RefusesToStartNamingTheSetting()
    {
        using var data = new TempDirectory();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b
            .UseSetting("KernelMemoryPlus:DataDirectory", data.Path)
            .UseSetting("KernelMemoryPlus:Api:MaxBodyBytes", "0"));

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("KernelMemoryPlus:Api:MaxBodyBytes", error.ToString(), StringComparison.Ordinal);
    }

    public sealed class SmallLimitsServer : ApiServer
    {
        protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
        {
            ["KernelMemoryPlus:Api:MaxBodyBytes"] = "4096",
            ["KernelMemoryPlus:Api:MaxBatchItems"] = "3",
        };
    }
}
