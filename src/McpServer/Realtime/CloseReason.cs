namespace KernelMemoryPlus.Server.Realtime;

/// <summary>Why a connection ended.</summary>
internal enum CloseReason
{
    /// <summary>The client closed it.</summary>
    ClientClosed,

    /// <summary>The client could not keep up: told <c>overflow</c>, closed with 1008.</summary>
    Overflow,

    /// <summary>Nothing subscribed, nothing streaming, nothing received for the idle timeout: closed with 1008.</summary>
    IdleTimeout,

    /// <summary>The server is stopping: closed with 1001.</summary>
    ServerShutdown,

    /// <summary>The network connection broke or the close handshake did not finish in time.</summary>
    ConnectionLost,
}
