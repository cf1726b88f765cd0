namespace KernelMemoryPlus.Server.Realtime;

/// <summary>
/// Limits of the WebSocket change stream at <c>/ws</c>, from the "KernelMemoryPlus:WebSocket" configuration section
/// (for example <c>KernelMemoryPlus__WebSocket__MaxSubscriptions=32</c>). Validated at start-up.
/// </summary>
/// <remarks>
/// The memory a connection can hold is bounded by <see cref="SendQueueBytes"/> (plus one frame larger than it),
/// <see cref="MaxFrameBytes"/> for the frame being read, and, per subscription, <see cref="MaxPendingChanges"/>
/// references to change events the engine shares between all subscribers.
/// </remarks>
public sealed class WebSocketSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "KernelMemoryPlus:WebSocket";

    /// <summary>Most open connections; further upgrade requests are answered 503. Default 1,000.</summary>
    public int MaxConnections { get; set; } = 1_000;

    /// <summary>Most subscriptions on one connection. Default 16.</summary>
    public int MaxSubscriptions { get; set; } = 16;

    /// <summary>Most listings streaming at the same time on one connection. Default 4.</summary>
    public int MaxConcurrentLists { get; set; } = 4;

    /// <summary>Largest frame (message) a client may send, in bytes; larger ones are discarded with an error. Default 65,536.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Most frames waiting to be sent on one connection before producers wait. Default 1,024.</summary>
    public int SendQueueFrames { get; set; } = 1_024;

    /// <summary>Most bytes waiting to be sent on one connection before producers wait. Default 1 MiB.</summary>
    public int SendQueueBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How many live changes one subscription may fall behind before the client is told <c>overflow</c> and
    /// disconnected. Default 10,000 (one full batch write, so a single batch never overflows a healthy client).
    /// </summary>
    public int MaxPendingChanges { get; set; } = 10_000;

    /// <summary>
    /// How long one frame may take to be accepted by the network before the client counts as not keeping up
    /// (told <c>overflow</c> and disconnected). Default 30 seconds.
    /// </summary>
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A connection with no subscription and no listing that has not sent a frame for this long is closed.
    /// Default 2 minutes.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the server sends a WebSocket ping. Default 30 seconds.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the server waits for the pong to a ping before it drops the connection as dead. Default 60 seconds.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long the close handshake may take before the connection is dropped. Default 10 seconds.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Browser origins (for example <c>https://app.example.com</c>) allowed to connect besides the server's own
    /// origin; <c>*</c> allows any. Requests without an Origin header (non-browser clients) are always allowed.
    /// Default: none, because a page from another site must not read memories through the user's browser.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}
