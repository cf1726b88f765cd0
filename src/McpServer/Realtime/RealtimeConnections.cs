using System.Collections.Concurrent;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>The open WebSocket connections: enforces the connection limit and closes them all when the server stops.</summary>
internal sealed class RealtimeConnections
{
    private readonly ConcurrentDictionary<long, RealtimeConnection> _open = new();
    private long _lastId;
    private int _reserved;
    private volatile bool _stopping;

    /// <summary>True once the server began to stop; no new connection is accepted.</summary>
    public bool IsStopping => _stopping;

    /// <summary>The connections open now.</summary>
    public IReadOnlyCollection<RealtimeConnection> Open => [.. _open.Values];

    public long NextId() => Interlocked.Increment(ref _lastId);

    /// <summary>Claims a connection slot; false when <paramref name="max"/> are taken.</summary>
    public bool TryReserve(int max)
    {
        if (Interlocked.Increment(ref _reserved) > max)
        {
            Interlocked.Decrement(ref _reserved);
            return false;
        }

        return true;
    }

    /// <summary>Gives back a slot claimed with <see cref="TryReserve"/> for a connection that never opened.</summary>
    public void Release() => Interlocked.Decrement(ref _reserved);

    /// <summary>Tracks an open connection; its slot is given back by <see cref="Remove"/>.</summary>
    public void Add(RealtimeConnection connection)
    {
        _open[connection.Id] = connection;

        // A connection accepted while CloseAll ran must not stay open.
        if (_stopping)
        {
            connection.Close(CloseReason.ServerShutdown);
        }
    }

    /// <summary>Forgets a closed connection and gives back its slot.</summary>
    public void Remove(RealtimeConnection connection)
    {
        if (_open.TryRemove(connection.Id, out _))
        {
            Interlocked.Decrement(ref _reserved);
        }
    }

    /// <summary>Closes every connection with 1001 (going away) and refuses new ones.</summary>
    public void CloseAll()
    {
        _stopping = true;
        foreach (var connection in _open.Values)
        {
            connection.Close(CloseReason.ServerShutdown);
        }
    }
}
