using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Semantic Kernel functions for episodic memory: events and conversation turns on a timeline.</summary>
/// <param name="memory">The agent memory (in process or remote).</param>
/// <param name="ns">The namespace the plugin reads and writes.</param>
public sealed class EpisodicMemoryPlugin(IAgentMemory memory, string ns)
{
    /// <summary>Records an event.</summary>
    [KernelFunction("record_event"), Description("Remember something that happened (an event or conversation turn). Returns the new memory id.")]
    public Task<string> RecordEventAsync(
        [Description("What happened, in one or two sentences.")] string content,
        [Description("Optional session or conversation id to group events.")] string? sessionId = null,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => (await memory.RememberAsync(new NewMemory { Namespace = ns, Content = content, Kind = MemoryKind.Episodic, SessionId = sessionId }, cancellationToken)).Id);

    /// <summary>Recalls events relevant to a question.</summary>
    [KernelFunction("recall_events"), Description("Find past events relevant to a question. Returns ids, scores and texts.")]
    public Task<string> RecallEventsAsync(
        [Description("What to look for, in natural language.")] string query,
        [Description("How many events to return (1-50).")] int limit = 5,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => MemoryText.Format(await memory.RecallAsync(new RecallQuery { Namespace = ns, Text = query, Limit = limit, Filter = new MemoryFilter { Kinds = [MemoryKind.Episodic] } }, cancellationToken)));

    /// <summary>Lists the latest events.</summary>
    [KernelFunction("recent_events"), Description("List the most recent events, newest first.")]
    public Task<string> RecentEventsAsync(
        [Description("How many events to return (1-50).")] int limit = 10,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => MemoryText.Format(await memory.RecentEventsAsync(ns, limit, cancellationToken)));
}
