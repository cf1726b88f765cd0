using System.Globalization;
using System.Net;
using System.Security.Claims;
using System.Threading.RateLimiting;
using KernelMemoryPlus.Server.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// Authentication for the doors: API keys (<see cref="ApiKeyStore"/>) and JWT bearer tokens from an OpenID Connect
/// issuer. Once any credential is configured, <c>/mcp</c>, <c>/api/v1</c> and <c>/ws</c> require it and the admin
/// endpoints require the admin role; with none, only loopback clients are served and the server refuses to listen on
/// anything but loopback.
/// </summary>
public static partial class SecurityHostingExtensions
{
    /// <summary>The authentication scheme of the doors (forwards to the API key or the JWT scheme).</summary>
    public const string SchemeName = "kmp";

    /// <summary>The role of administrators.</summary>
    public const string AdminRole = "admin";

    /// <summary>Registers the key store, the authentication schemes and the settings.</summary>
    public static IHostApplicationBuilder AddKernelMemoryPlusSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SecuritySettings>()
            .Bind(builder.Configuration.GetSection(SecuritySettings.SectionName))
            .Validate(s => !string.IsNullOrWhiteSpace(s.KeysFile) && s.KeysFile.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, $"Setting '{SecuritySettings.SectionName}:KeysFile' must be a plain file name.")
            .Validate(s => s.Jwt.SigningKey is null || IsValidSigningKey(s.Jwt.SigningKey), $"Setting '{SecuritySettings.SectionName}:Jwt:SigningKey' must be base64 of at least 32 bytes.")
            .Validate(s => !s.Jwt.IsConfigured || !string.IsNullOrWhiteSpace(s.Jwt.Audience), $"Setting '{SecuritySettings.SectionName}:Jwt:Audience' is required when JWT bearer tokens are configured.")
            .Validate(s => s.RateLimit.Burst >= 1 && s.RateLimit.PerSecond >= 1, $"Settings '{SecuritySettings.SectionName}:RateLimit:Burst' and ':PerSecond' must be at least 1.")
            .Validate(s => s.LocalRole is "agent" or "user" or "admin", $"Setting '{SecuritySettings.SectionName}:LocalRole' must be agent, user or admin.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => new AuditLog(
            Path.Combine(sp.GetRequiredService<ServerSettings>().DataDirectory, sp.GetRequiredService<IOptions<SecuritySettings>>().Value.AuditFile)));
        builder.Services.AddSingleton(sp => new ApiKeyStore(
            Path.Combine(sp.GetRequiredService<ServerSettings>().DataDirectory, sp.GetRequiredService<IOptions<SecuritySettings>>().Value.KeysFile)));

        builder.Services.AddAuthentication(SchemeName)
            .AddPolicyScheme(SchemeName, "API key or JWT bearer token", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.ReadKey(context.Request) is null
                && context.RequestServices.GetRequiredService<IOptions<SecuritySettings>>().Value.Jwt.IsConfigured
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<SecuritySettings>>((o, security) => ConfigureJwt(o, security.Value.Jwt));
        builder.Services.AddAuthorization();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionOf);
            o.OnRejected = async (rejected, cancellationToken) =>
            {
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)) : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Problem(rejected.HttpContext, StatusCodes.Status429TooManyRequests, "Too many requests", $"'{rejected.HttpContext.User.Identity?.Name}' sent more requests than its rate limit allows; retry after {seconds} s.");
            };
        });
        return builder;
    }

    /// <summary>One token bucket per authenticated principal on the doors; nothing else is limited.</summary>
    private static RateLimitPartition<string> PartitionOf(HttpContext context)
    {
        var limits = context.RequestServices.GetRequiredService<IOptions<SecuritySettings>>().Value.RateLimit;
        if (!limits.Enabled || context.User.Identity is not { IsAuthenticated: true, Name: { } principal } || !IsDoor(context.Request.Path))
        {
            return RateLimitPartition.GetNoLimiter(string.Empty);
        }

        return RateLimitPartition.GetTokenBucketLimiter(principal, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = limits.PerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static bool IsDoor(PathString path) =>
        path.StartsWithSegments("/mcp") || path.StartsWithSegments("/api/v1") || path.StartsWithSegments("/ws");

    /// <summary>
    /// A host with the server's settings, data folder and security services, not started: for the command-line verbs
    /// (<c>keys</c>, <c>audit</c>) that work on the data folder beside or instead of a running server.
    /// </summary>
    public static IHost BuildCommandHost()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.AddKernelMemoryPlusEngine();
        builder.AddKernelMemoryPlusSecurity();
        return builder.Build();
    }

    /// <summary>
    /// Refuses to serve anything but loopback clients while no credential is configured (true when the server may start).
    /// </summary>
    /// <returns>False (and an error logged) when the server is asked to listen beyond loopback without credentials.</returns>
    public static bool CheckExposure(this WebApplication app)
    {
        var keys = app.Services.GetRequiredService<ApiKeyStore>();
        var security = app.Services.GetRequiredService<IOptions<SecuritySettings>>().Value;
        if (keys.HasActiveKeys || security.Jwt.IsConfigured)
        {
            return true;
        }

        var urls = (app.Configuration[WebHostDefaults.ServerUrlsKey] ?? ServerSettings.DefaultUrl)
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(app.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).OfType<string>());
        var exposed = urls.Where(u => !IsLoopbackUrl(u)).ToList();
        if (exposed.Count == 0)
        {
            return true;
        }

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KernelMemoryPlus.Server.Security");
        var list = string.Join(", ", exposed);
        LogExposed(logger, list);
        return false;
    }

    /// <summary>Requires authentication on the doors once a credential exists, and the admin role on admin endpoints.</summary>
    public static WebApplication UseKernelMemoryPlusSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            if (!IsDoor(path))
            {
                await next(context);
                return;
            }

            var keys = context.RequestServices.GetRequiredService<ApiKeyStore>();
            var security = context.RequestServices.GetRequiredService<IOptions<SecuritySettings>>().Value;
            var audit = context.RequestServices.GetRequiredService<AuditLog>();
            var (action, mcpTarget) = await AuditRecorder.DescribeAsync(context);
            if (!keys.HasActiveKeys && !security.Jwt.IsConfigured)
            {
                // No credentials exist: loopback clients only (a test server has no remote address).
                if (context.Connection.RemoteIpAddress is { } remote && !IPAddress.IsLoopback(remote))
                {
                    audit.Append("?", action, mcpTarget, "403");
                    await Problem(context, StatusCodes.Status403Forbidden, "Only local clients are served", "No API key or token issuer is configured, so only clients on this machine (loopback) are served. Create a key with 'keys create' and send it as a bearer token.");
                    return;
                }

                // The local principal (an admin unless configured otherwise) owns what anonymous loopback clients write.
                var local = PrincipalMapping.Local(security);
                using (MemoryPrincipal.Use(local))
                {
                    await next(context);
                }

                AuditRecorder.Completed(context, audit, "anonymous", action, mcpTarget);
                return;
            }

            var result = await context.AuthenticateAsync(SchemeName);
            if (!result.Succeeded || result.Principal?.Identity?.IsAuthenticated != true)
            {
                audit.Append("?", action, mcpTarget, "401");
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Problem(context, StatusCodes.Status401Unauthorized, "Authentication required", result.Failure is { } failure
                    ? $"The credentials were refused: {Describe(failure)}"
                    : "Send an API key (Authorization: Bearer kmp_..., or X-Api-Key) or a bearer token from the configured issuer.");
                return;
            }

            context.User = result.Principal;
            var principal = context.User.Identity?.Name ?? "?";
            if (path.StartsWithSegments("/api/v1/admin") && !context.User.IsInRole(AdminRole))
            {
                audit.Append(principal, action, mcpTarget, "403");
                await Problem(context, StatusCodes.Status403Forbidden, "Administrators only", $"'{context.User.Identity?.Name}' is not an administrator; admin endpoints need the admin role.");
                return;
            }

            // Everything the request does in the engine is checked against this principal.
            using (MemoryPrincipal.Use(PrincipalMapping.From(context.User, security)))
            {
                await next(context);
            }

            AuditRecorder.Completed(context, audit, principal, action, mcpTarget);
        });

        // After authentication, so the limits are per principal.
        app.UseRateLimiter();
        return app;
    }

    /// <summary>True when a URL's host is a loopback name or address.</summary>
    public static bool IsLoopbackUrl(string url)
    {
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    private static string Describe(Exception failure) => failure switch
    {
        SecurityTokenExpiredException => "the token has expired.",
        SecurityTokenInvalidAudienceException => "the token is for another audience.",
        SecurityTokenInvalidIssuerException => "the token comes from another issuer.",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "the token's signature does not verify.",
        AuthenticationFailureException => failure.Message, // the API key handler's own words
        _ => "the token is not valid.", // library messages may carry token details: never echoed
    };

    private static Task Problem(HttpContext context, int status, string title, string detail) =>
        Results.Problem(statusCode: status, title: title, detail: detail).ExecuteAsync(context);

    private static void ConfigureJwt(JwtBearerOptions options, JwtSettings jwt)
    {
        options.MapInboundClaims = false;
        if (!string.IsNullOrWhiteSpace(jwt.Authority))
        {
            options.Authority = jwt.Authority;
        }

        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = !string.IsNullOrWhiteSpace(jwt.Issuer) || !string.IsNullOrWhiteSpace(jwt.Authority),
            ValidIssuer = jwt.Issuer,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = jwt.PrincipalClaim,
            RoleClaimType = jwt.RoleClaim,
            IssuerSigningKey = jwt.SigningKey is { } key && IsValidSigningKey(key) ? new SymmetricSecurityKey(Convert.FromBase64String(key)) : null,
        };

        // Browsers cannot set headers on a WebSocket upgrade: the token may come as ?access_token= there.
        options.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                if (context.Request.Path.StartsWithSegments("/ws") && context.Request.Query.TryGetValue("access_token", out var token))
                {
                    context.Token = token;
                }

                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                // Tokens without a role act as agents.
                if (context.Principal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == jwt.RoleClaim))
                {
                    identity.AddClaim(new Claim(jwt.RoleClaim, "agent"));
                }

                return Task.CompletedTask;
            },
        };
    }

    private static bool IsValidSigningKey(string key)
    {
        var buffer = new byte[key.Length];
        return Convert.TryFromBase64String(key, buffer, out int written) && written >= 32;
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "KernelMemoryPlus will not listen on {Urls}: no API key and no token issuer is configured, so anyone who reaches the port could read and change every memory. Create a key first (dotnet run --project src/McpServer -- keys create --principal NAME --role admin) or listen on localhost only.")]
    private static partial void LogExposed(ILogger logger, string urls);
}
