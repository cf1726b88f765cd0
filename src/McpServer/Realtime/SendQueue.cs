namespace KernelMemoryPlus.Server.Realtime;

/// <summary>
/// The frames a connection still has to send, bounded in count and bytes. Producers (subscriptions, listings,
/// replies) wait for room, so a slow client slows them down instead of growing the server's memory; one reader
/// (the send loop) takes frames in order. Sealing drops whatever is still waiting and releases everyone.
/// </summary>
/// <param name="maxFrames">Most frames waiting.</param>
/// <param name="maxBytes">Most bytes waiting; a single larger frame is still accepted into an empty queue.</param>
internal sealed class SendQueue(int maxFrames, int maxBytes)
{
    private readonly Lock _lock = new();
    private readonly Queue<OutgoingFrame> _frames = new();
    private long _bytes;
    private long _peakBytes;
    private int _peakFrames;
    private bool _sealed;
    private TaskCompletionSource? _roomAvailable;
    private TaskCompletionSource? _frameAvailable;

    /// <summary>The most bytes that were waiting at once.</summary>
    public long PeakBytes
    {
        get
        {
            lock (_lock)
            {
                return _peakBytes;
            }
        }
    }

    /// <summary>The most frames that were waiting at once.</summary>
    public int PeakFrames
    {
        get
        {
            lock (_lock)
            {
                return _peakFrames;
            }
        }
    }

    /// <summary>Adds a frame, waiting for room.</summary>
    /// <returns>False when the queue was sealed (the connection is closing): the frame will never be sent.</returns>
    public async ValueTask<bool> EnqueueAsync(OutgoingFrame frame, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_sealed)
                {
                    return false;
                }

                if (_frames.Count == 0 || (_frames.Count < maxFrames && _bytes + frame.Payload.Length <= maxBytes))
                {
                    _frames.Enqueue(frame);
                    _bytes += frame.Payload.Length;
                    _peakBytes = Math.Max(_peakBytes, _bytes);
                    _peakFrames = Math.Max(_peakFrames, _frames.Count);
                    _frameAvailable?.TrySetResult();
                    _frameAvailable = null;
                    return true;
                }

                _roomAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _roomAvailable.Task;
            }

            await wait.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Takes the next frame, waiting for one (single reader).</summary>
    /// <returns>The frame, or null once the queue is sealed.</returns>
    public async ValueTask<OutgoingFrame?> DequeueAsync()
    {
        while (true)
        {
            Task wait;
            lock (_lock)
            {
                if (_sealed)
                {
                    return null;
                }

                if (_frames.TryDequeue(out var frame))
                {
                    _bytes -= frame.Payload.Length;
                    _roomAvailable?.TrySetResult();
                    _roomAvailable = null;
                    return frame;
                }

                _frameAvailable ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                wait = _frameAvailable.Task;
            }

            await wait;
        }
    }

    /// <summary>Drops the waiting frames and refuses new ones; waiting producers and the reader return at once.</summary>
    public void Seal()
    {
        lock (_lock)
        {
            _sealed = true;
            _frames.Clear();
            _bytes = 0;
            _roomAvailable?.TrySetResult();
            _roomAvailable = null;
            _frameAvailable?.TrySetResult();
            _frameAvailable = null;
        }
    }
}
