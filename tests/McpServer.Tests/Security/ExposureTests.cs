using KernelMemoryPlus.Server.Security;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>The real server process: no credentials means loopback only; the keys verb.</summary>
public sealed class ExposureTests
{
    [Theory]
    [InlineData("http://localhost:5080", true)]
    [InlineData("http://127.0.0.1:1", true)]
    [InlineData("http://[::1]:1", true)]
    [InlineData("http://0.0.0.0:1", false)]
    [InlineData("http://*:1", false)]
    [InlineData("http://+:1", false)]
    [InlineData("http://example.com:1", false)]
    [InlineData("http://10.1.2.3:1", false)]
    public void IsLoopbackUrl_KnowsLoopback(string url, bool loopback) =>
        Assert.Equal(loopback, SecurityHostingExtensions.IsLoopbackUrl(url));

    [Fact]
    public async Task WithoutCredentials_TheServerRefusesToListenBeyondLoopback()
    {
        using var data = new TempDirectory();
        await using var server = ServerProcess.Start(data.Path, new Dictionary<string, string> { ["ASPNETCORE_URLS"] = "http://0.0.0.0:0" });

        int exit = await server.WaitForExitAsync(TimeSpan.FromSeconds(90));

        Assert.Equal(1, exit);
        Assert.Contains("will not listen on http://0.0.0.0:0", server.Output + server.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysVerb_CreatesListsAndRevokes_AndTheServerHonoursIt()
    {
        using var data = new TempDirectory();
        var (createExit, key, createErrors) = await RunKeysAsync(data.Path, "create", "--principal", "alice", "--role", "admin");
        Assert.Equal(0, createExit);
        Assert.StartsWith("kmp_", key.Trim(), StringComparison.Ordinal);
        Assert.Contains("shown only now", createErrors, StringComparison.Ordinal);

        var (listExit, listed, _) = await RunKeysAsync(data.Path, "list");
        Assert.Equal(0, listExit);
        var id = listed.Split('\t')[0];
        Assert.Contains("alice\tadmin", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Trim(), listed, StringComparison.Ordinal);

        await using (var server = ServerProcess.Start(data.Path))
        {
            using var healthy = await server.WaitHealthyAsync(TimeSpan.FromSeconds(90), TestContext.Current.CancellationToken);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            using var refused = await client.GetAsync(new Uri("/api/v1/namespaces", UriKind.Relative), TestContext.Current.CancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/namespaces");
            request.Headers.Add("X-Api-Key", key.Trim());
            using var admitted = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal(System.Net.HttpStatusCode.OK, admitted.StatusCode);
            Assert.DoesNotContain(key.Trim(), server.Output + server.Errors, StringComparison.Ordinal);
        }

        var (revokeExit, _, _) = await RunKeysAsync(data.Path, "revoke", id);
        var (again, _, againErrors) = await RunKeysAsync(data.Path, "revoke", id);
        var (badRole, _, badRoleErrors) = await RunKeysAsync(data.Path, "create", "--principal", "bob", "--role", "root");
        Assert.Equal(0, revokeExit);
        Assert.Equal(1, again);
        Assert.Contains("No active key", againErrors, StringComparison.Ordinal);
        Assert.NotEqual(0, badRole);
        Assert.Contains("root", badRoleErrors, StringComparison.Ordinal);
    }

    private static Task<(int Exit, string Output, string Errors)> RunKeysAsync(string dataDirectory, params string[] arguments) =>
        ServerProcess.RunVerbAsync(dataDirectory, TestContext.Current.CancellationToken, ["keys", .. arguments]);
}
