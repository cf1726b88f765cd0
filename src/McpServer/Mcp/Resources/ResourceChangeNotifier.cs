using System.Collections.Concurrent;
using KernelMemoryPlus.Server.Mcp.Internal;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp.Resources;

/// <summary>
/// Sends <c>notifications/resources/updated</c> (and <c>notifications/resources/list_changed</c> when a namespace
/// appears) to the clients that asked for them, driven by the engine's change feed.
/// </summary>
/// <remarks>
/// <para>
/// One watch of the change feed serves every client; it starts with the first subscription. Each listener (an MCP
/// session that subscribed with <c>resources/subscribe</c>, or one <c>subscriptions/listen</c> request) has its own
/// queue and sender, so a slow client never holds up the others, and updates of one URI that are not sent yet are
/// coalesced into one notification (a notification says "read it again", not what changed).
/// </para>
/// <para>Thread safety: all members may be called concurrently.</para>
/// </remarks>
internal sealed class ResourceChangeNotifier(MemoryEngine engine, IOptions<McpDoorOptions> options, McpTransportInfo transport, ILogger<ResourceChangeNotifier> logger) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ResourceListener> _listeners = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _watch;

    /// <summary>How many listeners are registered (for tests and diagnostics).</summary>
    public int ListenerCount => _listeners.Count;

    /// <summary>Raised with a listener's key after it was removed (a session ended, a listen request ended, a client was gone).</summary>
    public event Action<string>? ListenerRemoved;

    /// <summary>Subscribes an MCP session to a resource URI (<c>resources/subscribe</c>).</summary>
    /// <param name="server">The session's server, as the request handler received it.</param>
    /// <param name="resource">The parsed URI.</param>
    /// <param name="uri">The URI as the client wrote it; notifications echo it.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="McpProtocolException">The request belongs to no session, so nothing could be sent later.</exception>
    public async Task SubscribeAsync(McpServer server, MemoryResourceUri resource, string uri, CancellationToken cancellationToken)
    {
        var listener = await SessionListenerAsync(server, cancellationToken)
            ?? throw new McpProtocolException("Resource subscriptions need a session: connect with the initialize handshake (protocol 2025-11-25 or earlier), or use subscriptions/listen.", McpErrorCode.InvalidRequest);
        listener.Add(resource.ToString(), uri);
    }

    /// <summary>Ends a session's subscription to a URI (<c>resources/unsubscribe</c>); unknown URIs are ignored.</summary>
    public void Unsubscribe(McpServer server, string uri)
    {
        if (SessionKey(server) is { } key && _listeners.TryGetValue(key, out var listener))
        {
            listener.Remove(MemoryResourceUri.TryParse(uri, out var parsed) ? parsed.ToString() : uri);
        }
    }

    /// <summary>Sends the session <c>notifications/resources/list_changed</c> when a namespace appears.</summary>
    public async Task WatchResourceListAsync(McpServer server, CancellationToken cancellationToken)
    {
        if (await SessionListenerAsync(server, cancellationToken) is { } listener)
        {
            listener.WantsListChanged = true;
        }
    }

    /// <summary>Drops everything a session subscribed to (called when the session ends).</summary>
    public async Task EndSessionAsync(McpServer server)
    {
        if (SessionKey(server) is { } key && _listeners.TryRemove(key, out var listener))
        {
            await listener.DisposeAsync();
            ListenerRemoved?.Invoke(listener.Key);
        }
    }

    /// <summary>Registers a listener that lives as long as one <c>subscriptions/listen</c> request.</summary>
    /// <param name="send">Sends a notification: the URI that changed, or null for "the resource list changed".</param>
    /// <param name="uris">The URIs to watch.</param>
    /// <param name="listChanged">Whether to report new namespaces.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The listener; dispose it to end the subscription.</returns>
    public async Task<IAsyncDisposable> ListenAsync(Func<string?, CancellationToken, Task> send, IEnumerable<string> uris, bool listChanged, CancellationToken cancellationToken)
    {
        await EnsureWatchingAsync(cancellationToken);
        var key = "listen:" + Guid.NewGuid().ToString("N");
        var listener = new ResourceListener(key, send, OnListenerFailed, logger) { WantsListChanged = listChanged };
        foreach (var uri in uris)
        {
            if (MemoryResourceUri.TryParse(uri, out var parsed))
            {
                listener.Add(parsed.ToString(), uri);
            }
        }

        _listeners[key] = listener;
        return new Registration(this, key);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_watch is { } watch)
        {
            try
            {
                await watch;
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        foreach (var key in _listeners.Keys.ToList())
        {
            if (_listeners.TryRemove(key, out var listener))
            {
                await listener.DisposeAsync();
            }
        }

        _stopping.Dispose();
    }

    /// <summary>
    /// The key of a session's listener: its session id; stdio has one session and no id. Null for a stateless HTTP
    /// request, which has no channel to send anything on once it is answered.
    /// </summary>
    private string? SessionKey(McpServer server) =>
        server.SessionId is { } id ? "session:" + id : transport.IsHttp ? null : "session:stdio";

    private async Task<ResourceListener?> SessionListenerAsync(McpServer server, CancellationToken cancellationToken)
    {
        if (SessionKey(server) is not { } key)
        {
            return null;
        }

        await EnsureWatchingAsync(cancellationToken);
        if (_listeners.TryGetValue(key, out var existing))
        {
            return existing;
        }

        lock (_gate)
        {
            // After the response to the request that registered it, the server falls back to the session's own
            // channel (the GET stream over HTTP, stdout over stdio), which is where unsolicited notifications go.
            return _listeners.GetOrAdd(key, k => new ResourceListener(
                k,
                (uri, token) => uri is null
                    ? server.SendNotificationAsync(NotificationMethods.ResourceListChangedNotification, token)
                    : server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri }, cancellationToken: token),
                OnListenerFailed,
                logger));
        }
    }

    private async Task EnsureWatchingAsync(CancellationToken cancellationToken)
    {
        if (_watch is not null)
        {
            return;
        }

        // The feed position is taken when the first subscription is made, so every change committed after the
        // subscribe call returns is seen.
        await engine.InitializeAsync(cancellationToken);
        lock (_gate)
        {
            if (_watch is null)
            {
                long since = engine.LastSequence;
                _watch = Task.Run(() => WatchAsync(since, _stopping.Token), CancellationToken.None);
            }
        }
    }

    private async Task WatchAsync(long since, CancellationToken cancellationToken)
    {
        // The server's own feed of every change; each listener gets only what its principal may read (Dispatch).
        using var system = MemoryPrincipal.Use(Security.PrincipalMapping.System);
        HashSet<string>? known = null;
        long last = since;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                known ??= new HashSet<string>(await engine.ListNamespacesAsync(cancellationToken), StringComparer.Ordinal);
                await foreach (var change in engine.WatchAsync(null, last, cancellationToken: cancellationToken))
                {
                    last = change.Sequence;
                    Dispatch(change, known.Add(change.Namespace));
                }

                return; // the engine is shutting down
            }
            catch (ChangeFeedOverflowException)
            {
                Log.ChangeFeedOverflow(logger, last); // resume where we were
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ChangeFeedFailed(logger, ex);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    private void Dispatch(ChangeEvent change, bool newNamespace)
    {
        if (_listeners.IsEmpty)
        {
            return;
        }

        var affected = new List<string>(4) { MemoryResourceUri.ForNamespace(change.Namespace) };
        switch (change.Operation)
        {
            case ChangeOperation.Created or ChangeOperation.Updated or ChangeOperation.Deleted:
                affected.Add(MemoryResourceUri.ForMemory(change.EntityId));
                break;
            case ChangeOperation.Linked or ChangeOperation.Unlinked:
                // A link id is "{from}|{type}|{to}": both memories' resources list their links.
                var parts = change.EntityId.Split('|');
                affected.Add(MemoryResourceUri.ForMemory(parts[0]));
                affected.Add(MemoryResourceUri.ForMemory(parts[^1]));
                break;
        }

        if (change.Namespace == options.Value.GraphNamespace)
        {
            affected.Add(MemoryResourceUri.KnowledgeGraph);
        }

        foreach (var listener in _listeners.Values)
        {
            // With the grants as they are now: a subscriber that lost its grant hears nothing more.
            if (!engine.CanSee(change, listener.Principal))
            {
                continue;
            }

            foreach (var uri in affected)
            {
                listener.Notify(uri);
            }

            if (newNamespace && listener.WantsListChanged)
            {
                listener.NotifyListChanged();
            }
        }
    }

    private void OnListenerFailed(ResourceListener listener)
    {
        if (_listeners.TryRemove(new KeyValuePair<string, ResourceListener>(listener.Key, listener)))
        {
            _ = listener.DisposeAsync().AsTask();
            ListenerRemoved?.Invoke(listener.Key);
        }
    }

    private sealed class Registration(ResourceChangeNotifier owner, string key) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (owner._listeners.TryRemove(key, out var listener))
            {
                await listener.DisposeAsync();
                owner.ListenerRemoved?.Invoke(key);
            }
        }
    }
}
