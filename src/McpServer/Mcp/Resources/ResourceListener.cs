using System.Collections.Concurrent;
using System.Threading.Channels;
using KernelMemoryPlus.Server.Mcp.Internal;

namespace KernelMemoryPlus.Server.Mcp.Resources;

/// <summary>
/// One client's resource subscriptions and its outgoing queue. Pending notifications are coalesced per URI, so the
/// queue never holds more than one entry per subscribed URI (plus one "list changed").
/// </summary>
internal sealed class ResourceListener : IAsyncDisposable
{
    /// <summary>Consecutive send failures after which the client is taken for gone.</summary>
    public const int MaxFailures = 3;

    private const string ListChangedEntry = "";

    private readonly ConcurrentDictionary<string, string> _uris = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<string?, CancellationToken, Task> _send;
    private readonly Action<ResourceListener> _onFailed;
    private readonly ILogger _logger;
    private readonly Task _pump;

    /// <param name="key">The listener's key.</param>
    /// <param name="send">Sends one notification: a URI, or null for "the resource list changed".</param>
    /// <param name="onFailed">Called once when sending keeps failing.</param>
    /// <param name="logger">Logger.</param>
    public ResourceListener(string key, Func<string?, CancellationToken, Task> send, Action<ResourceListener> onFailed, ILogger logger)
    {
        Key = key;
        _send = send;
        _onFailed = onFailed;
        _logger = logger;
        _pump = Task.Run(PumpAsync);
    }

    public string Key { get; }

    /// <summary>Who subscribed: notifications go out only for changes it may read.</summary>
    public MemoryPrincipal? Principal { get; init; } = MemoryPrincipal.Current;

    public bool WantsListChanged { get; set; }

    /// <summary>Watches a URI; <paramref name="asWritten"/> is echoed in notifications.</summary>
    public void Add(string canonical, string asWritten) => _uris[canonical] = asWritten;

    public void Remove(string canonical) => _uris.TryRemove(canonical, out _);

    /// <summary>Queues an update notification if the URI is watched.</summary>
    public void Notify(string canonical)
    {
        if (_uris.TryGetValue(canonical, out var asWritten) && _pending.TryAdd(asWritten, 0))
        {
            _queue.Writer.TryWrite(asWritten);
        }
    }

    public void NotifyListChanged()
    {
        if (_pending.TryAdd(ListChangedEntry, 0))
        {
            _queue.Writer.TryWrite(ListChangedEntry);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        try
        {
            await _pump;
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private async Task PumpAsync()
    {
        int failures = 0;
        var token = _stop.Token;
        await foreach (var entry in _queue.Reader.ReadAllAsync(token))
        {
            _pending.TryRemove(entry, out _);
            try
            {
                await _send(entry.Length == 0 ? null : entry, token);
                failures = 0;
            }
            catch (Exception ex) when (!token.IsCancellationRequested)
            {
                var error = ex.GetType().Name;
                Log.NotificationFailed(_logger, Key, error);
                if (++failures >= MaxFailures)
                {
                    _queue.Writer.TryComplete();
                    _onFailed(this);
                    return;
                }
            }
        }
    }
}
