using KernelMemoryPlus.Server.Mcp.Resources;
using ModelContextProtocol.AspNetCore;

namespace KernelMemoryPlus.Server.Mcp;

/// <summary>The MCP door: Streamable HTTP at /mcp.</summary>
public static class McpDoor
{
    /// <summary>The path of the Streamable HTTP endpoint.</summary>
    public const string Path = "/mcp";

    /// <summary>Registers the MCP server: tools, prompts, resources with subscriptions, completions and logging.</summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder AddMcpDoor(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddKernelMemoryPlusMcp(builder.Configuration, isHttp: true)
            .WithHttpTransport(o =>
            {
                // Sessions for initialize-handshake clients (protocol 2025-xx: resources/subscribe, logging/setLevel and
                // unsolicited notifications need one); 2026-07-28 clients are served per request, as that revision requires.
                o.SessionMode = HttpServerSessionMode.StatefulForInitializeClients;

                // The only hook that sees a session end: it drops the session's resource subscriptions. Without it
                // they would linger until a notification to the closed session failed.
#pragma warning disable MCPEXP002 // RunSessionHandler is experimental
                o.RunSessionHandler = async (_, server, cancellationToken) =>
                {
                    try
                    {
                        await server.RunAsync(cancellationToken);
                    }
                    finally
                    {
                        // Stateless (2026-07-28) requests also pass through here, once each, with no session to end.
                        if (server.SessionId is not null && server.Services?.GetService<ResourceChangeNotifier>() is { } notifier)
                        {
                            await notifier.EndSessionAsync(server);
                        }
                    }
                };
#pragma warning restore MCPEXP002
            });
        return builder;
    }

    /// <summary>Maps /mcp, with DNS rebinding protection.</summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    public static WebApplication MapMcpDoor(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapMcp(Path).Add(McpHostGuard.Apply);
        return app;
    }
}
