using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// Authenticates <c>Authorization: Bearer kmp_…</c> or <c>X-Api-Key: kmp_…</c> (and, for WebSocket upgrades that
/// cannot set headers, <c>?access_token=kmp_…</c>) against the <see cref="ApiKeyStore"/>.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    /// <summary>The header an API key may come in besides Authorization.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <inheritdoc />
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = ReadKey(Request);
        if (presented is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var entry = keys.Validate(presented);
        if (entry is null)
        {
            // The key itself is never logged or echoed.
            return Task.FromResult(AuthenticateResult.Fail("The API key is unknown or revoked."));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, entry.Principal),

                // The MCP SDK binds stateful sessions to this claim (a session cannot be used by another principal).
                new Claim(ClaimTypes.NameIdentifier, entry.Principal),
                new Claim(ClaimTypes.Role, entry.Role),
                new Claim(SecurityClaims.KeyId, entry.Id),
                .. (entry.Groups ?? []).Select(g => new Claim(SecurityClaims.Group, g)),
            ],
            SchemeName,
            ClaimTypes.Name,
            ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>The API key a request presents, or null.</summary>
    public static string? ReadKey(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith("Bearer " + ApiKeyStore.Prefix, StringComparison.Ordinal))
        {
            return authorization["Bearer ".Length..].Trim();
        }

        if (request.Headers.TryGetValue(HeaderName, out var header) && header.ToString().StartsWith(ApiKeyStore.Prefix, StringComparison.Ordinal))
        {
            return header.ToString().Trim();
        }

        if (request.Query.TryGetValue("access_token", out var token) && token.ToString().StartsWith(ApiKeyStore.Prefix, StringComparison.Ordinal))
        {
            return token.ToString();
        }

        return null;
    }
}

/// <summary>Claim types of the server.</summary>
public static class SecurityClaims
{
    /// <summary>The id of the API key that authenticated the request.</summary>
    public const string KeyId = "kmp:key";

    /// <summary>A group the principal belongs to (API keys; JWTs use the configured group claim).</summary>
    public const string Group = "kmp:group";
}
