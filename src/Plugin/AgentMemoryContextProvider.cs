using System.Text.Json;
using KernelMemoryPlus.Plugin.Internal;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KernelMemoryPlus.Plugin;

/// <summary>
/// An Agent Framework <see cref="AIContextProvider"/> that gives an agent long-term memory: before each turn it recalls
/// the memories most relevant to the user's new messages and adds them to the model's instructions; after the turn it
/// stores the user's messages (and optionally the agent's answers) as episodic memories.
/// </summary>
/// <remarks>
/// <para>
/// <strong>Scope.</strong> Memories live in the user's namespace (<c>{NamespacePrefix}{UserId}</c>); each stored message
/// records the agent as its author and the thread as its episodic session, so recall can be narrowed to one agent or
/// one thread (<see cref="AgentMemoryContextProviderOptions.RecallScope"/>). The thread id is created per session and
/// kept in the session's state, so a serialized and restored session keeps its thread.
/// </para>
/// <para>
/// <strong>Why instructions, not messages.</strong> Recalled memories are added as transient instructions for this turn
/// only; messages a provider adds are persisted into the session's chat history and would be resent (and duplicated)
/// on every later turn.
/// </para>
/// <para>
/// <strong>Security.</strong> Stored memories were written by users and other agents: they are untrusted text. They
/// are quoted on single lines under a preamble that tells the model they are data, not instructions (indirect prompt
/// injection). Stored messages may hold personal data; choose what is stored with
/// <see cref="AgentMemoryContextProviderOptions.ShouldStore"/>. Memory contents are logged at Trace level only.
/// </para>
/// <para>
/// <strong>Failures.</strong> When the memory cannot be read or written (a server down, a timeout, invalid data) the
/// provider logs a warning and the turn goes on without memory; only cancellation is passed on.
/// </para>
/// </remarks>
public sealed class AgentMemoryContextProvider : AIContextProvider
{
    private const int MaxQueryLength = 2_000;
    private static readonly JsonSerializerOptions StateJson = new(JsonSerializerDefaults.Web);
    private readonly IAgentMemory _memory;
    private readonly AgentMemoryContextProviderOptions _options;
    private readonly ProviderSessionState<ThreadState> _state;
    private readonly ILogger _logger;

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryContextProvider"/> class.</summary>
    /// <param name="memory">The agent memory: in process, REST or MCP.</param>
    /// <param name="options">Whose memories, which ones and how many; <see cref="AgentMemoryContextProviderOptions.UserId"/> is required.</param>
    /// <param name="loggerFactory">Logs failures (warnings) and counts (debug); contents only at Trace.</param>
    public AgentMemoryContextProvider(IAgentMemory memory, AgentMemoryContextProviderOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _memory = memory;
        _options = options;
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<AgentMemoryContextProvider>();
        _state = new ProviderSessionState<ThreadState>(_ => new ThreadState { ThreadId = options.NewThreadId?.Invoke() ?? Guid.NewGuid().ToString("N") }, options.StateKey, StateJson);
    }

    /// <inheritdoc />
    public override IReadOnlyList<string> StateKeys => [_options.StateKey];

    /// <summary>Gets the thread id of a session (created on first use), as stored in episodic memories' session.</summary>
    /// <param name="session">The agent session.</param>
    /// <returns>The thread id, or <see langword="null"/> without a session.</returns>
    public string? GetThreadId(AgentSession? session) => session is null ? null : _state.GetOrInitializeState(session).ThreadId;

    /// <inheritdoc />
    protected override async ValueTask<AIContext> ProvideAIContextAsync(InvokingContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_options.MaxResults == 0)
        {
            return new AIContext();
        }

        var query = string.Join("\n", (context.AIContext.Messages ?? []).Where(m => m.Role == ChatRole.User && !string.IsNullOrWhiteSpace(m.Text)).Select(m => m.Text));
        if (query.Length == 0)
        {
            return new AIContext();
        }

        if (query.Length > MaxQueryLength)
        {
            query = query[^MaxQueryLength..];
        }

        var ns = _options.Namespace;
        try
        {
            var results = await _memory.RecallAsync(
                new RecallQuery
                {
                    Namespace = ns,
                    Text = query,
                    Limit = _options.MaxResults,
                    MinScore = _options.MinScore,
                    Explain = false,
                    Filter = new MemoryFilter
                    {
                        Kinds = _options.Kinds,
                        Author = _options.RecallScope == AgentMemoryRecallScope.Agent ? AgentId(context.Agent) : null,
                        SessionId = _options.RecallScope == AgentMemoryRecallScope.Thread ? GetThreadId(context.Session) : null,
                    },
                },
                cancellationToken);
            Log.Recalled(_logger, results.Count, ns, _options.RecallScope);
            if (results.Count == 0)
            {
                return new AIContext();
            }

            var instructions = _options.ContextPrompt + "\n" + MemoryText.Format(results);
            if (_logger.IsEnabled(LogLevel.Trace))
            {
                Log.RecalledContent(_logger, query, instructions);
            }

            return new AIContext { Instructions = instructions };
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.RecallFailed(_logger, ns, ex);
            return new AIContext();
        }
    }

    /// <inheritdoc />
    protected override async ValueTask StoreAIContextAsync(InvokedContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var toStore = new List<ChatMessage>();
        if (_options.StoreUserMessages)
        {
            toStore.AddRange(context.RequestMessages.Where(m => m.Role == ChatRole.User));
        }

        if (_options.StoreAgentMessages)
        {
            toStore.AddRange((context.ResponseMessages ?? []).Where(m => m.Role == ChatRole.Assistant));
        }

        toStore.RemoveAll(m => string.IsNullOrWhiteSpace(m.Text) || m.Text.Trim().Length < _options.MinStoredLength || (_options.ShouldStore is { } rule && !rule(m)));
        if (toStore.Count == 0)
        {
            return;
        }

        var ns = _options.Namespace;
        var agentId = AgentId(context.Agent);
        var threadId = GetThreadId(context.Session);
        try
        {
            foreach (var message in toStore)
            {
                await _memory.RememberAsync(
                    new NewMemory
                    {
                        Namespace = ns,
                        Content = message.Text.Trim(),
                        Kind = MemoryKind.Episodic,
                        SessionId = threadId,
                        Author = agentId,
                        Tags = _options.Tags,
                        Metadata = new Dictionary<string, string> { ["kmp.role"] = message.Role.Value, ["kmp.agent"] = agentId },
                    },
                    cancellationToken);
            }

            Log.Stored(_logger, toStore.Count, ns, threadId);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.StoreFailed(_logger, toStore.Count, ns, ex);
        }
    }

    private string AgentId(AIAgent agent) => _options.AgentId ?? agent.Name ?? agent.Id;

    private sealed class ThreadState
    {
        public string ThreadId { get; set; } = string.Empty;
    }
}
