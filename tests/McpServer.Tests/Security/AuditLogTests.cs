using System.Net;
using System.Text.Json;
using KernelMemoryPlus.Server.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KernelMemoryPlus.Server.Tests.Security;

public sealed class AuditLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Entries_ChainAndVerify_AndAReopenedLogContinuesTheChain()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "audit.jsonl");
        using (var log = new AuditLog(path))
        {
            log.Append("alice", "POST /api/v1/memories", null, "201");
            log.Append("bob", "mcp tools/call forget", "01ab", "200");
        }

        using (var reopened = new AuditLog(path))
        {
            var third = reopened.Append("?", "GET /api/v1/namespaces", null, "401");
            Assert.Equal(3, third.Sequence);
            Assert.Equal(["alice", "bob", "?"], reopened.Read(0, 10).Select(e => e.Principal));
            Assert.Equal([3L], reopened.Read(2, 10).Select(e => e.Sequence));
        }

        var verification = AuditLog.Verify(path);
        Assert.True(verification.IsIntact);
        Assert.Equal(3, verification.Entries);
    }

    [Theory]
    [InlineData("change")]
    [InlineData("remove")]
    [InlineData("swap")]
    [InlineData("garbage")]
    public void Tampering_IsFound_AtTheLineItHappened(string how)
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "audit.jsonl");
        using (var log = new AuditLog(path))
        {
            for (int i = 0; i < 4; i++)
            {
                log.Append("alice", $"POST /api/v1/memories/{i}", null, "201");
            }
        }

        var lines = File.ReadAllLines(path).ToList();
        switch (how)
        {
            case "change":
                lines[1] = lines[1].Replace("\"201\"", "\"403\"", StringComparison.Ordinal);
                break;
            case "remove":
                lines.RemoveAt(1);
                break;
            case "swap":
                (lines[1], lines[2]) = (lines[2], lines[1]);
                break;
            default:
                lines[1] = "{ oops";
                break;
        }

        File.WriteAllLines(path, lines);
        var verification = AuditLog.Verify(path);

        Assert.False(verification.IsIntact);
        Assert.Equal(2, verification.BrokenLine);
        Assert.Equal(1, verification.Entries);
    }

    [Fact]
    public async Task TheDoors_RecordWritesAndRefusals_AndOnlyAdminsReadTheLog()
    {
        using var data = new TempDirectory();
        var keys = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));
        var agent = keys.Create("alice", "agent").Key;
        var admin = keys.Create("root", "admin").Key;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("KernelMemoryPlus:DataDirectory", data.Path));
        using var client = factory.CreateClient();

        using var stored = await SendAsync(client, HttpMethod.Post, "/api/v1/memories", agent, """{"namespace":"audit-test","content":"the secret recipe uses cardamom"}""");
        using var refused = await SendAsync(client, HttpMethod.Post, "/api/v1/memories", "kmp_000000000000_forged", """{"namespace":"audit-test","content":"x"}""");
        using var denied = await SendAsync(client, HttpMethod.Get, "/api/v1/admin/audit", agent, null);
        using var read = await SendAsync(client, HttpMethod.Get, "/api/v1/admin/audit?limit=50", admin, null);

        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var entries = JsonDocument.Parse(await read.Content.ReadAsStringAsync(Ct)).RootElement.EnumerateArray()
            .Select(e => (Principal: e.GetProperty("principal").GetString(), Action: e.GetProperty("action").GetString(), Outcome: e.GetProperty("outcome").GetString()))
            .ToList();
        Assert.Contains(("alice", "POST /api/v1/memories", "201"), entries);
        Assert.Contains(("?", "POST /api/v1/memories", "401"), entries);
        Assert.Contains(("alice", "GET /api/v1/admin/audit", "403"), entries);
        var file = await File.ReadAllTextAsync(Path.Combine(data.Path, "audit.jsonl"), Ct);
        Assert.DoesNotContain("cardamom", file, StringComparison.Ordinal);
        Assert.DoesNotContain("forged", file, StringComparison.Ordinal);
        Assert.True(AuditLog.Verify(Path.Combine(data.Path, "audit.jsonl")).IsIntact);
    }

    [Fact]
    public async Task TheVerifyVerb_PassesAnIntactLog_AndFailsABrokenOne()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "audit.jsonl");
        using (var log = new AuditLog(path))
        {
            log.Append("alice", "POST /api/v1/memories", null, "201");
            log.Append("alice", "DELETE /api/v1/memories/01ab", "01ab", "204");
        }

        var (intact, intactOutput) = await VerifyAsync(data.Path);
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"204\"", "\"200\"", StringComparison.Ordinal));
        var (broken, brokenOutput) = await VerifyAsync(data.Path);

        Assert.Equal(0, intact);
        Assert.Contains("2 entries, chain intact", intactOutput, StringComparison.Ordinal);
        Assert.Equal(1, broken);
        Assert.Contains("broken at line 2", brokenOutput, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output)> VerifyAsync(string dataDirectory)
    {
        var (exit, output, errors) = await ServerProcess.RunVerbAsync(dataDirectory, Ct, "audit", "verify");
        return (exit, output + errors);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string key, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", key);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        return client.SendAsync(request, Ct);
    }
}
