namespace KernelMemoryPlus.Server.Mcp.Internal;

/// <summary>Messages sent to the MCP client's log (<c>notifications/message</c>). Never memory contents.</summary>
internal static partial class ClientLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Tool {Tool} succeeded in {Milliseconds} ms")]
    public static partial void ToolSucceeded(ILogger logger, string tool, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tool {Tool} rejected the call: {Reason}")]
    public static partial void ToolRejected(ILogger logger, string tool, string reason);
}
