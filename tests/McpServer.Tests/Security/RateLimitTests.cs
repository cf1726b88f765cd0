using System.Net;
using KernelMemoryPlus.Server.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>Per-principal token buckets: one principal running out does not slow another.</summary>
public sealed class RateLimitTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APrincipalBeyondItsBurst_Gets429WithRetryAfter_OthersAndHealthDoNot()
    {
        using var data = new TempDirectory();
        var keys = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));
        var busy = keys.Create("busy", "agent").Key;
        var calm = keys.Create("calm", "agent").Key;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("KernelMemoryPlus:DataDirectory", data.Path);
            b.UseSetting("KernelMemoryPlus:Security:RateLimit:Burst", "3");
            b.UseSetting("KernelMemoryPlus:Security:RateLimit:PerSecond", "1");
        });
        using var client = factory.CreateClient();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (int i = 0; i < 12; i++)
        {
            var response = await GetAsync(client, "/api/v1/namespaces", busy);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused ??= response;
            }
        }

        using var other = await GetAsync(client, "/api/v1/namespaces", calm);
        using var health = await client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.OK, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) < 12, "the burst and little more got through");
        Assert.NotNull(refused);
        Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Contains("busy", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task InvalidLimits_StopStartUp()
    {
        using var data = new TempDirectory();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("KernelMemoryPlus:DataDirectory", data.Path);
            b.UseSetting("KernelMemoryPlus:Security:RateLimit:Burst", "0");
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());
        Assert.Contains("RateLimit", error.ToString(), StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", key);
        return client.SendAsync(request, Ct);
    }
}
