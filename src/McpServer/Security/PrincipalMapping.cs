using System.Security.Claims;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// Turns what authentication verified into the engine's <see cref="MemoryPrincipal"/>: the name, role and groups of
/// an API key or a validated token; never anything the client says about itself in a request body.
/// </summary>
public static class PrincipalMapping
{
    /// <summary>The principal of an authenticated user, or null when it is not authenticated.</summary>
    /// <param name="user">The authenticated user.</param>
    /// <param name="settings">The security settings (the claim names of tokens).</param>
    public static MemoryPrincipal? From(ClaimsPrincipal? user, SecuritySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (user?.Identity is not { IsAuthenticated: true, Name: { Length: > 0 } name })
        {
            return null;
        }

        var kind = user.IsInRole(SecurityHostingExtensions.AdminRole) ? PrincipalKind.Admin
            : user.IsInRole("user") ? PrincipalKind.User
            : PrincipalKind.Agent;
        var groups = user.FindAll(SecurityClaims.Group)
            .Concat(user.FindAll(settings.Jwt.GroupClaim))
            .Select(c => c.Value)
            .Where(v => v.Length is > 0 and <= 256)
            .ToList();
        return new MemoryPrincipal(name, kind, groups);
    }

    /// <summary>The local principal (stdio, and anonymous loopback clients when no credential exists).</summary>
    /// <param name="settings">The security settings.</param>
    public static MemoryPrincipal Local(SecuritySettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var kind = settings.LocalRole switch
        {
            "agent" => PrincipalKind.Agent,
            "user" => PrincipalKind.User,
            _ => PrincipalKind.Admin,
        };
        return new MemoryPrincipal(string.IsNullOrWhiteSpace(settings.LocalPrincipal) ? "local" : settings.LocalPrincipal, kind);
    }

    /// <summary>The server's own background work (change notifications, health checks): an administrator.</summary>
    public static readonly MemoryPrincipal System = new("kmp:system", PrincipalKind.Admin);
}
