namespace KernelMemoryPlus.Server.Mcp.Internal;

/// <summary>The MCP door's log messages. Memory contents are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The resource notifier fell behind the change feed; resuming after sequence {Sequence}")]
    public static partial void ChangeFeedOverflow(ILogger logger, long sequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading the change feed for resource notifications failed; retrying")]
    public static partial void ChangeFeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sending a resource notification to {Listener} failed ({Error})")]
    public static partial void NotificationFailed(ILogger logger, string listener, string error);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tool {Tool} answered in {Milliseconds} ms{Outcome}")]
    public static partial void ToolCalled(ILogger logger, string tool, long milliseconds, string outcome);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused an MCP request from host {Host} / origin {Origin} (DNS rebinding protection)")]
    public static partial void RequestRefused(ILogger logger, string host, string origin);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP over stdio, memory store in {DataDirectory}")]
    public static partial void StdioReady(ILogger logger, string dataDirectory);
}
