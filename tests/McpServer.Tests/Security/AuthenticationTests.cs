using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using KernelMemoryPlus.Server.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>The doors with API keys and JWT bearer tokens configured: who gets in, who does not, and why.</summary>
public sealed class AuthenticationTests : IAsyncLifetime
{
    private const string Issuer = "https://issuer.test";
    private const string Audience = "kmp-tests";
    private static readonly byte[] SigningKey = RandomNumberGenerator.GetBytes(32);

    private readonly TempDirectory _data = new();
    private WebApplicationFactory<Program>? _factory;
    private string _agentKey = "";
    private string _adminKey = "";
    private string _revokedKey = "";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        var keys = new ApiKeyStore(Path.Combine(_data.Path, "api-keys.json"));
        _agentKey = keys.Create("alice", "agent").Key;
        _adminKey = keys.Create("root", "admin").Key;
        var (revoked, revokedKey) = keys.Create("mallory", "agent");
        keys.Revoke(revoked.Id);
        _revokedKey = revokedKey;
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("KernelMemoryPlus:DataDirectory", _data.Path);
            b.UseSetting("KernelMemoryPlus:Security:Jwt:Issuer", Issuer);
            b.UseSetting("KernelMemoryPlus:Security:Jwt:Audience", Audience);
            b.UseSetting("KernelMemoryPlus:Security:Jwt:SigningKey", Convert.ToBase64String(SigningKey));
        });
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _data.Dispose();
    }

    [Theory]
    [InlineData("/api/v1/namespaces")]
    [InlineData("/mcp")]
    [InlineData("/ws")]
    public async Task WithoutCredentials_TheDoorsAnswer401WithAChallenge(string path)
    {
        using var client = _factory!.CreateClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Health_StaysOpen()
    {
        using var client = _factory!.CreateClient();
        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AnApiKey_InEitherHeader_LetsTheRequestIn()
    {
        using var client = _factory!.CreateClient();

        using var bearer = await SendAsync(client, "/api/v1/namespaces", r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _agentKey));
        using var header = await SendAsync(client, "/api/v1/namespaces", r => r.Headers.Add("X-Api-Key", _agentKey));

        Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, header.StatusCode);
    }

    [Fact]
    public async Task RevokedAndForgedKeys_AreRefused_WithoutEchoingThem()
    {
        using var client = _factory!.CreateClient();
        var forged = _agentKey[..^4] + "AAAA";

        foreach (var key in new[] { _revokedKey, forged })
        {
            using var response = await SendAsync(client, "/api/v1/namespaces", r => r.Headers.Add("X-Api-Key", key));
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Contains("unknown or revoked", body, StringComparison.Ordinal);
            Assert.DoesNotContain(key, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AdminEndpoints_NeedTheAdminRole()
    {
        using var client = _factory!.CreateClient();

        using var agent = await SendAsync(client, "/api/v1/admin/stats", r => r.Headers.Add("X-Api-Key", _agentKey));
        using var admin = await SendAsync(client, "/api/v1/admin/stats", r => r.Headers.Add("X-Api-Key", _adminKey));
        using var adminToken = await SendAsync(client, "/api/v1/admin/stats", r => r.Headers.Authorization = Bearer(Token(role: "admin")));

        Assert.Equal(HttpStatusCode.Forbidden, agent.StatusCode);
        Assert.Contains("alice", await agent.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, adminToken.StatusCode);
    }

    [Fact]
    public async Task AValidToken_LetsTheRequestIn_AsAnAgent()
    {
        using var client = _factory!.CreateClient();

        using var ok = await SendAsync(client, "/api/v1/namespaces", r => r.Headers.Authorization = Bearer(Token()));
        using var admin = await SendAsync(client, "/api/v1/admin/stats", r => r.Headers.Authorization = Bearer(Token()));

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
    }

    [Theory]
    [InlineData("expired", "expired")]
    [InlineData("audience", "another audience")]
    [InlineData("issuer", "another issuer")]
    [InlineData("signature", "signature")]
    [InlineData("garbage", "not valid")]
    public async Task BadTokens_AreRefused_SayingWhy(string flaw, string reason)
    {
        using var client = _factory!.CreateClient();
        var token = flaw switch
        {
            "expired" => Token(expires: DateTime.UtcNow.AddMinutes(-5)),
            "audience" => Token(audience: "someone-else"),
            "issuer" => Token(issuer: "https://evil.test"),
            "signature" => Token(key: RandomNumberGenerator.GetBytes(32)),
            _ => "not.a.token",
        };

        using var response = await SendAsync(client, "/api/v1/namespaces", r => r.Headers.Authorization = Bearer(token));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    private static string Token(string subject = "bob", string? role = null, string audience = Audience, string issuer = Issuer, DateTime? expires = null, byte[]? key = null)
    {
        var claims = new List<Claim> { new("sub", subject) };
        if (role is not null)
        {
            claims.Add(new Claim("role", role));
        }

        var expiry = expires ?? DateTime.UtcNow.AddMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Subject = new ClaimsIdentity(claims),
            Issuer = issuer,
            Audience = audience,
            NotBefore = expiry.AddMinutes(-30),
            IssuedAt = expiry.AddMinutes(-30),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key ?? SigningKey), SecurityAlgorithms.HmacSha256),
        });
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, string path, Action<HttpRequestMessage> configure)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        configure(request);
        return client.SendAsync(request, Ct);
    }
}
