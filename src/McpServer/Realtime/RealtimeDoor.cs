using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>The WebSocket change stream at /ws (protocol: docs/websocket.md).</summary>
public static class RealtimeDoor
{
    /// <summary>The path of the WebSocket endpoint.</summary>
    public const string Path = "/ws";

    /// <summary>Registers the WebSocket door's services and its settings (section "KernelMemoryPlus:WebSocket").</summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder AddRealtime(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WebSocketSettings>()
            .Bind(builder.Configuration.GetSection(WebSocketSettings.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebSocketSettings>, WebSocketSettingsValidator>();
        builder.Services.AddSingleton<RealtimeConnections>();
        return builder;
    }

    /// <summary>Maps /ws, and closes every WebSocket connection (1001) when the application stops.</summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    public static WebApplication MapRealtime(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Only /ws needs the WebSocket middleware; the other doors stay untouched by it.
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch => branch.UseWebSockets());
        app.Map(Path, RealtimeEndpoint.HandleAsync).ExcludeFromDescription();

        var connections = app.Services.GetRequiredService<RealtimeConnections>();
        app.Lifetime.ApplicationStopping.Register(connections.CloseAll);
        return app;
    }
}
