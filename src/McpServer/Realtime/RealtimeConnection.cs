using System.Buffers;
using System.Net.WebSockets;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>
/// One client on <c>/ws</c>.
/// </summary>
/// <remarks>
/// <para>
/// Work per connection: the receive loop (the request's own task) reads and answers requests; one pump per
/// subscription and one task per listing produce frames into the bounded <see cref="SendQueue"/>; the send loop is
/// the only writer to the socket. Producers wait when the queue is full, so a slow client slows them down: a
/// subscription's live changes then collect in the engine's bounded watcher buffer, and when that overflows (or
/// when one frame cannot be sent for <see cref="WebSocketSettings.SendTimeout"/>) the client is told
/// <c>overflow</c> and disconnected. Nothing grows without bound.
/// </para>
/// <para>
/// A connection ends once, through <see cref="Terminate"/>: producers stop, waiting frames are dropped (each
/// subscription's <c>resumeFrom</c> is the last change actually sent, so nothing is lost), the close frame is sent,
/// and the close handshake gets <see cref="WebSocketSettings.CloseTimeout"/> before the socket is dropped.
/// </para>
/// </remarks>
internal sealed partial class RealtimeConnection
{
    // The key of the all-namespaces subscription; no namespace can contain a NUL.
    private const string AllNamespaces = "\0*";
    private const int InitialReceiveBuffer = 4 * 1024;

    private readonly WebSocket _socket;
    private readonly MemoryEngine _engine;
    private readonly WebSocketSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SendQueue _queue;
    private readonly CancellationTokenSource _producers = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, RealtimeSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ListStream> _lists = new(StringComparer.Ordinal);
    private readonly List<Task> _tasks = [];
    private readonly TaskCompletionSource _terminating = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ITimer _idleTimer;
    private readonly ITimer _stallTimer;
    private readonly ITimer _closeTimer;
    private readonly Action<RealtimeConnection>? _closed;
    private Termination? _termination;
    private long _lastReceived;

    /// <summary>Creates the connection; <see cref="RunAsync"/> serves it.</summary>
    /// <param name="id">The connection's number, for logs.</param>
    /// <param name="socket">The accepted socket (the caller disposes it).</param>
    /// <param name="engine">The memory engine.</param>
    /// <param name="settings">The limits.</param>
    /// <param name="time">The clock for the idle, send and close timers.</param>
    /// <param name="logger">The logger; it never receives memory contents.</param>
    /// <param name="closed">Called once the connection is closed and its work has stopped, before <see cref="Completion"/> completes.</param>
    public RealtimeConnection(long id, WebSocket socket, MemoryEngine engine, WebSocketSettings settings, TimeProvider time, ILogger logger, Action<RealtimeConnection>? closed = null)
    {
        Id = id;
        _closed = closed;
        _socket = socket;
        _engine = engine;
        _settings = settings;
        _time = time;
        _logger = logger;
        _queue = new SendQueue(settings.SendQueueFrames, settings.SendQueueBytes);
        _lastReceived = time.GetTimestamp();
        _idleTimer = time.CreateTimer(static s => ((RealtimeConnection)s!).OnIdleTimer(), this, settings.IdleTimeout, Timeout.InfiniteTimeSpan);
        _stallTimer = time.CreateTimer(static s => ((RealtimeConnection)s!).OnSendStalled(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _closeTimer = time.CreateTimer(static s => ((RealtimeConnection)s!).OnCloseTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The connection's number, for logs.</summary>
    public long Id { get; }

    /// <summary>Why the connection ended or is ending; null while it is open.</summary>
    public CloseReason? Reason => Volatile.Read(ref _termination)?.Reason;

    /// <summary>Completes when the connection starts to close.</summary>
    public Task Terminating => _terminating.Task;

    /// <summary>Completes when the connection is closed and all its work has stopped.</summary>
    public Task Completion => _completed.Task;

    /// <summary>The most bytes that waited in the send queue at once (the queue's bound holds it down).</summary>
    public long PeakQueuedBytes => _queue.PeakBytes;

    /// <summary>The most frames that waited in the send queue at once.</summary>
    public int PeakQueuedFrames => _queue.PeakFrames;

    /// <summary>Closes the connection (server shutdown).</summary>
    public void Close(CloseReason reason) => Terminate(reason);

    /// <summary>Serves the connection until it closes. Never throws.</summary>
    /// <param name="aborted">Signals that the underlying request was aborted.</param>
    public async Task RunAsync(CancellationToken aborted)
    {
        LogOpened(_logger, Id);
        var sending = SendLoopAsync();
        try
        {
            using (aborted.Register(static s => ((RealtimeConnection)s!).Terminate(CloseReason.ConnectionLost), this))
            {
                await ReceiveLoopAsync();
            }

            // A close frame arrived: the client's own close (to be answered), or its answer to ours (a no-op here).
            Terminate(CloseReason.ClientClosed);
        }
        catch (Exception ex)
        {
            LogReceiveEnded(_logger, ex, Id);
            Terminate(CloseReason.ConnectionLost);
        }

        await sending;
        await StopProducersAsync();
        await _idleTimer.DisposeAsync();
        await _stallTimer.DisposeAsync();
        await _closeTimer.DisposeAsync();
        _producers.Dispose();
        var reason = Volatile.Read(ref _termination)?.Reason ?? CloseReason.ConnectionLost;
        LogClosed(_logger, Id, reason);
        _closed?.Invoke(this);
        _completed.TrySetResult();
    }

    private void Terminate(CloseReason reason)
    {
        lock (_gate)
        {
            if (_termination is not null)
            {
                return;
            }

            Volatile.Write(ref _termination, Termination.For(reason));
        }

        _queue.Seal();
        _producers.Cancel();
        if (reason == CloseReason.ConnectionLost)
        {
            _socket.Abort();
        }
        else
        {
            Change(_closeTimer, _settings.CloseTimeout);
        }

        _terminating.TrySetResult();
    }

    private async Task ReceiveLoopAsync()
    {
        int max = _settings.MaxFrameBytes;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialReceiveBuffer, max));
        try
        {
            while (true)
            {
                int length = 0;
                long total = 0;
                bool discarding = false;
                ValueWebSocketReceiveResult result;
                do
                {
                    int capacity = Math.Min(buffer.Length, max);
                    if (!discarding && length == capacity)
                    {
                        if (capacity < max)
                        {
                            buffer = Grow(buffer, length, Math.Min(max, capacity * 2));
                            capacity = Math.Min(buffer.Length, max);
                        }
                        else
                        {
                            // Over the limit: read the rest into the same buffer and drop it, so memory stays bounded
                            // and the connection stays usable.
                            discarding = true;
                        }
                    }

                    var target = discarding ? buffer.AsMemory() : buffer.AsMemory(length, capacity - length);
                    result = await _socket.ReceiveAsync(target, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    total += result.Count;
                    if (!discarding)
                    {
                        length += result.Count;
                    }
                }
                while (!result.EndOfMessage);

                Interlocked.Exchange(ref _lastReceived, _time.GetTimestamp());
                if (Volatile.Read(ref _termination) is not null)
                {
                    // Closing: only the client's close frame matters now.
                    continue;
                }

                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    await ReplyAsync(ServerFrames.Error(ErrorCodes.BinaryNotSupported, "Binary frames are not part of the protocol; send JSON text frames. The frame was discarded."));
                }
                else if (total > max)
                {
                    await ReplyAsync(ServerFrames.Error(
                        ErrorCodes.FrameTooLarge,
                        $"The frame has {total} bytes; at most {max} are accepted (setting {WebSocketSettings.SectionName}:MaxFrameBytes). It was discarded.",
                        "frame"));
                }
                else
                {
                    await HandleAsync(buffer.AsMemory(0, length));
                }

                if (buffer.Length > InitialReceiveBuffer)
                {
                    // A large frame was read; give the big buffer back rather than keep it for the connection's life.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialReceiveBuffer, max));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task SendLoopAsync()
    {
        try
        {
            while (await _queue.DequeueAsync() is { } frame)
            {
                await SendAsync(frame.Payload);
                if (frame.Subscription is { } subscription)
                {
                    subscription.LastSent = frame.Sequence;
                }
            }

            // The queue returns null only once sealed, and Terminate sets the termination before it seals.
            var termination = Volatile.Read(ref _termination)!;
            if (termination.Reason == CloseReason.ConnectionLost)
            {
                return;
            }

            if (termination.Reason == CloseReason.Overflow)
            {
                await SendOverflowErrorsAsync();
            }

            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(termination.Status, termination.Description, CancellationToken.None);
            }
        }
        catch (Exception ex)
        {
            LogSendEnded(_logger, ex, Id);
            Terminate(CloseReason.ConnectionLost);
            _socket.Abort();
        }
    }

    private async ValueTask SendAsync(byte[] payload)
    {
        var sending = _socket.SendAsync(payload, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        if (sending.IsCompleted)
        {
            await sending;
            return;
        }

        // The network did not take the frame at once. If it still has not after SendTimeout, the client is not reading.
        Change(_stallTimer, _settings.SendTimeout);
        try
        {
            await sending;
        }
        finally
        {
            Change(_stallTimer, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task SendOverflowErrorsAsync()
    {
        RealtimeSubscription[] subscriptions;
        RequestId[] lists;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
            lists = [.. _lists.Values.Select(l => l.Request.ListId)];
        }

        // Frames still waiting were dropped, so each subscription resumes after the last change that went out.
        foreach (var subscription in subscriptions)
        {
            await SendAsync(ServerFrames.SubscriptionError(
                ErrorCodes.Overflow,
                "The client did not keep up with the changes and is disconnected. Reconnect and subscribe again with since = resumeFrom; nothing is lost.",
                subscription.Namespace,
                subscription.LastSent));
        }

        foreach (var id in lists)
        {
            await SendAsync(ServerFrames.Error(ErrorCodes.Overflow, "The client did not keep up and is disconnected; the listing was cut off. Reconnect and list again.", id: id));
        }
    }

    /// <summary>Queues a reply from the receive loop; returns quietly when the connection is closing.</summary>
    private async ValueTask ReplyAsync(byte[] payload)
    {
        try
        {
            await _queue.EnqueueAsync(new OutgoingFrame(payload), _producers.Token);
        }
        catch (OperationCanceledException)
        {
            // Closing; the reply would be dropped anyway.
        }
    }

    private async Task StopProducersAsync()
    {
        RealtimeSubscription[] subscriptions;
        Task[] tasks;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
            tasks = [.. _tasks];
            _tasks.Clear();
        }

        // Terminate cancelled them all; they end without throwing.
        await Task.WhenAll(tasks);
        foreach (var subscription in subscriptions)
        {
            subscription.Cancellation.Dispose();
        }
    }

    private void Track(Task task)
    {
        lock (_gate)
        {
            _tasks.RemoveAll(t => t.IsCompleted);
            _tasks.Add(task);
        }
    }

    private void OnIdleTimer()
    {
        TimeSpan next;
        lock (_gate)
        {
            if (_termination is not null)
            {
                return;
            }

            var quiet = _time.GetElapsedTime(Interlocked.Read(ref _lastReceived));
            next = _subscriptions.Count > 0 || _lists.Count > 0 ? _settings.IdleTimeout
                : quiet >= _settings.IdleTimeout ? TimeSpan.Zero
                : _settings.IdleTimeout - quiet;
        }

        if (next == TimeSpan.Zero)
        {
            LogIdle(_logger, Id);
            Terminate(CloseReason.IdleTimeout);
        }
        else
        {
            Change(_idleTimer, next);
        }
    }

    private void OnSendStalled()
    {
        if (Volatile.Read(ref _termination) is null)
        {
            LogSendStalled(_logger, Id, _settings.SendTimeout);
            Terminate(CloseReason.Overflow);
        }
    }

    private void OnCloseTimeout()
    {
        LogCloseTimedOut(_logger, Id);
        try
        {
            _socket.Abort();
        }
        catch (ObjectDisposedException)
        {
            // Already gone.
        }
    }

    private static void Change(ITimer timer, TimeSpan dueTime)
    {
        try
        {
            timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
            // The connection finished while a timer callback was running.
        }
    }

    private static byte[] Grow(byte[] buffer, int length, int size)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    private sealed record Termination(CloseReason Reason, WebSocketCloseStatus Status, string Description)
    {
        public static Termination For(CloseReason reason) => reason switch
        {
            CloseReason.ClientClosed => new(reason, WebSocketCloseStatus.NormalClosure, string.Empty),
            CloseReason.Overflow => new(reason, WebSocketCloseStatus.PolicyViolation, "overflow: resume each subscription from its resumeFrom"),
            CloseReason.IdleTimeout => new(reason, WebSocketCloseStatus.PolicyViolation, "idle timeout"),
            CloseReason.ServerShutdown => new(reason, WebSocketCloseStatus.EndpointUnavailable, "server shutting down"),
            _ => new(reason, WebSocketCloseStatus.InternalServerError, string.Empty),
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} opened")]
    private static partial void LogOpened(ILogger logger, long connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} closed: {Reason}")]
    private static partial void LogClosed(ILogger logger, long connectionId, CloseReason reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} stopped receiving")]
    private static partial void LogReceiveEnded(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} stopped sending")]
    private static partial void LogSendEnded(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket connection {ConnectionId} did not keep up and is disconnected: a frame waited {SendTimeout} for the network")]
    private static partial void LogSendStalled(ILogger logger, long connectionId, TimeSpan sendTimeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "WebSocket connection {ConnectionId} did not keep up and is disconnected: more than {MaxPendingChanges} changes waited for one subscription")]
    private static partial void LogPendingOverflow(ILogger logger, long connectionId, int maxPendingChanges);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} was idle and is closed")]
    private static partial void LogIdle(ILogger logger, long connectionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "WebSocket connection {ConnectionId} did not finish closing in time and is dropped")]
    private static partial void LogCloseTimedOut(ILogger logger, long connectionId);
}
