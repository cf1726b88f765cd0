namespace KernelMemoryPlus.Server.Security;

/// <summary>Authentication settings ("KernelMemoryPlus:Security").</summary>
public sealed class SecuritySettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "KernelMemoryPlus:Security";

    /// <summary>The API key file inside the data folder. Default "api-keys.json".</summary>
    public string KeysFile { get; set; } = "api-keys.json";

    /// <summary>The audit log file inside the data folder. Default "audit.jsonl".</summary>
    public string AuditFile { get; set; } = "audit.jsonl";

    /// <summary>
    /// The principal the stdio server acts as (it has no network peer to authenticate), and anonymous loopback clients
    /// while no credential is configured. Default "local".
    /// </summary>
    public string LocalPrincipal { get; set; } = "local";

    /// <summary>The role of <see cref="LocalPrincipal"/>: admin (default: whoever runs the server owns its data), user or agent.</summary>
    public string LocalRole { get; set; } = "admin";

    /// <summary>JWT bearer tokens from an OpenID Connect issuer.</summary>
    public JwtSettings Jwt { get; set; } = new();

    /// <summary>Per-principal request rate limits.</summary>
    public RateLimitSettings RateLimit { get; set; } = new();
}

/// <summary>
/// A token bucket per authenticated principal over the doors: <see cref="Burst"/> requests at once, refilled at
/// <see cref="PerSecond"/> a second; a request beyond it gets 429 with Retry-After. Anonymous clients (possible only on
/// loopback, without credentials configured) are not limited.
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>Whether the limits apply. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests a principal may make at once. Default 400.</summary>
    public int Burst { get; set; } = 400;

    /// <summary>Requests a second a principal may sustain. Default 200.</summary>
    public int PerSecond { get; set; } = 200;
}

/// <summary>
/// JWT bearer settings. Set <see cref="Authority"/> to fetch the issuer's signing keys from its discovery document,
/// or <see cref="SigningKey"/> for a shared symmetric key (HS256); <see cref="Issuer"/> and <see cref="Audience"/>
/// are always checked when set.
/// </summary>
public sealed class JwtSettings
{
    /// <summary>The OpenID Connect authority (https URL) whose discovery document gives the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The expected issuer ("iss").</summary>
    public string? Issuer { get; set; }

    /// <summary>The expected audience ("aud").</summary>
    public string? Audience { get; set; }

    /// <summary>A symmetric signing key, base64 (at least 32 bytes). Keep it out of files: use an environment variable.</summary>
    public string? SigningKey { get; set; }

    /// <summary>The claim naming the principal. Default "sub".</summary>
    public string PrincipalClaim { get; set; } = "sub";

    /// <summary>The claim holding the role ("agent" or "admin"). Default "role"; missing means "agent".</summary>
    public string RoleClaim { get; set; } = "role";

    /// <summary>The claim listing the groups the token's principal belongs to. Default "groups".</summary>
    public string GroupClaim { get; set; } = "groups";

    /// <summary>True when JWT bearer authentication is configured.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(SigningKey);
}
