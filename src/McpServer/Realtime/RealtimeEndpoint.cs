using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>Accepts a WebSocket on /ws and serves it as a <see cref="RealtimeConnection"/>.</summary>
internal static partial class RealtimeEndpoint
{
    public static async Task HandleAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var settings = services.GetRequiredService<IOptions<WebSocketSettings>>().Value;
        var connections = services.GetRequiredService<RealtimeConnections>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("KernelMemoryPlus.Server.Realtime");

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "WebSocket upgrade required", $"{RealtimeDoor.Path} speaks the WebSocket change-stream protocol (docs/websocket.md); connect with a WebSocket client.");
            return;
        }

        if (!IsOriginAllowed(context.Request, settings))
        {
            // Browsers let any page open a WebSocket to any host; without this a foreign site could read memories.
            LogOriginRejected(logger);
            await RejectAsync(context, StatusCodes.Status403Forbidden, "Origin not allowed", $"Pages from this origin may not connect; allow it with the setting {WebSocketSettings.SectionName}:AllowedOrigins.");
            return;
        }

        if (connections.IsStopping || !connections.TryReserve(settings.MaxConnections))
        {
            context.Response.Headers.RetryAfter = "5";
            await RejectAsync(context, StatusCodes.Status503ServiceUnavailable, "Too many WebSocket connections", $"The server holds at most {settings.MaxConnections} WebSocket connections (setting {WebSocketSettings.SectionName}:MaxConnections), or it is stopping; retry later.");
            return;
        }

        bool handedOver = false;
        try
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
            {
                KeepAliveInterval = settings.KeepAliveInterval,
                KeepAliveTimeout = settings.KeepAliveTimeout,
            });
            var connection = new RealtimeConnection(
                connections.NextId(),
                socket,
                services.GetRequiredService<MemoryEngine>(),
                settings,
                services.GetService<TimeProvider>() ?? TimeProvider.System,
                logger,
                connections.Remove);
            connections.Add(connection);
            handedOver = true;
            await connection.RunAsync(context.RequestAborted);
        }
        finally
        {
            if (!handedOver)
            {
                connections.Release();
            }
        }
    }

    private static bool IsOriginAllowed(HttpRequest request, WebSocketSettings settings)
    {
        string origin = request.Headers.Origin.ToString();
        if (origin.Length == 0)
        {
            // Not a browser: the Origin header is how browsers mark cross-site requests.
            return true;
        }

        foreach (var allowed in settings.AllowedOrigins)
        {
            if (allowed == "*" || string.Equals(allowed.TrimEnd('/'), origin, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        // The server's own pages (the admin UI) are same-origin.
        return Uri.TryCreate(origin, UriKind.Absolute, out var uri)
            && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
    }

    private static Task RejectAsync(HttpContext context, int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title).ExecuteAsync(context);

    [LoggerMessage(Level = LogLevel.Information, Message = "A WebSocket request from a foreign origin was refused")]
    private static partial void LogOriginRejected(ILogger logger);
}
