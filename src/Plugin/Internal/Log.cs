using Microsoft.Extensions.Logging;

namespace KernelMemoryPlus.Plugin.Internal;

// Memory contents (queries, recalled or stored text) are logged at Trace only.
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Recalling memories for namespace '{Namespace}' failed; the turn goes on without them.")]
    public static partial void RecallFailed(ILogger logger, string @namespace, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing {Count} message(s) in namespace '{Namespace}' failed; the turn is not remembered.")]
    public static partial void StoreFailed(ILogger logger, int count, string @namespace, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Recalled {Count} memories from namespace '{Namespace}' (scope {Scope}).")]
    public static partial void Recalled(ILogger logger, int count, string @namespace, AgentMemoryRecallScope scope);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {Count} message(s) in namespace '{Namespace}', thread '{ThreadId}'.")]
    public static partial void Stored(ILogger logger, int count, string @namespace, string? threadId);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Recall query: {Query}; added to the context: {Context}")]
    public static partial void RecalledContent(ILogger logger, string query, string context);
}
