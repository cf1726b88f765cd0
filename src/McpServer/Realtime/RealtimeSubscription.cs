namespace KernelMemoryPlus.Server.Realtime;

/// <summary>One subscription of a connection: its namespace, where it started, and how far it got.</summary>
internal sealed class RealtimeSubscription(string? ns, long since, CancellationTokenSource cancellation)
{
    private long _lastQueued = since;
    private long _lastSent = since;

    /// <summary>The namespace, or null for every namespace.</summary>
    public string? Namespace { get; } = ns;

    /// <summary>Stops the subscription's pump.</summary>
    public CancellationTokenSource Cancellation { get; } = cancellation;

    /// <summary>The pump moving changes from the engine into the send queue.</summary>
    public Task Pump { get; set; } = Task.CompletedTask;

    /// <summary>The sequence of the last change put in the send queue (written by the pump only).</summary>
    public long LastQueued
    {
        get => Volatile.Read(ref _lastQueued);
        set => Volatile.Write(ref _lastQueued, value);
    }

    /// <summary>The sequence of the last change handed to the network (written by the send loop only).</summary>
    public long LastSent
    {
        get => Volatile.Read(ref _lastSent);
        set => Volatile.Write(ref _lastSent, value);
    }
}
