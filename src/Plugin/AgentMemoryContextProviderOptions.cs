using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Plugin;

/// <summary>Options of <see cref="AgentMemoryContextProvider"/>.</summary>
public sealed class AgentMemoryContextProviderOptions
{
    /// <summary>Gets or sets the user the memories belong to; with <see cref="NamespacePrefix"/> it names the namespace.</summary>
    /// <value>Required. Letters, digits and <c>. _ - :</c>.</value>
    public string UserId { get; set; } = string.Empty;

    /// <summary>Gets or sets the prefix of the user's namespace, which is <c>{NamespacePrefix}{UserId}</c>.</summary>
    /// <value>Default <c>user/</c>.</value>
    public string NamespacePrefix { get; set; } = "user/";

    /// <summary>Gets or sets the agent id recorded as the author of stored memories (and used by <see cref="AgentMemoryRecallScope.Agent"/>).</summary>
    /// <value>Default: the agent's <c>Name</c>, or its <c>Id</c> when it has no name.</value>
    public string? AgentId { get; set; }

    /// <summary>Gets or sets how a thread id is chosen for a new session; it is kept in the session's state (and serialized with it).</summary>
    /// <value>Default: a new GUID per session.</value>
    public Func<string>? NewThreadId { get; set; }

    /// <summary>Gets or sets which memories are recalled.</summary>
    /// <value>Default <see cref="AgentMemoryRecallScope.User"/>.</value>
    public AgentMemoryRecallScope RecallScope { get; set; } = AgentMemoryRecallScope.User;

    /// <summary>Gets or sets how many memories are added to a turn at most.</summary>
    /// <value>Default 5; 0 turns recall off.</value>
    public int MaxResults { get; set; } = 5;

    /// <summary>Gets or sets the lowest score (0 to 1) a memory needs to be added.</summary>
    /// <value>Default 0.2.</value>
    public double MinScore { get; set; } = 0.2;

    /// <summary>Gets or sets the kinds recalled.</summary>
    /// <value>Default all kinds.</value>
    public IReadOnlyList<MemoryKind>? Kinds { get; set; }

    /// <summary>Gets or sets the heading put above the recalled memories in the model's instructions.</summary>
    /// <value>Default <c>## Long-term memory</c>. <see cref="MemoryText.Preamble"/> (they are data, not instructions) always follows it.</value>
    public string ContextPrompt { get; set; } = "## Long-term memory";

    /// <summary>Gets or sets whether the user's messages of a turn are stored as episodic memories after it.</summary>
    /// <value>Default <see langword="true"/>.</value>
    public bool StoreUserMessages { get; set; } = true;

    /// <summary>Gets or sets whether the agent's answers are stored as episodic memories after a turn.</summary>
    /// <value>Default <see langword="false"/>: answers are derived from what is stored already.</value>
    public bool StoreAgentMessages { get; set; }

    /// <summary>Gets or sets a rule that decides which messages are stored (applied after the two switches above).</summary>
    /// <value>Default: every message with at least <see cref="MinStoredLength"/> characters of text.</value>
    public Func<ChatMessage, bool>? ShouldStore { get; set; }

    /// <summary>Gets or sets the shortest message text that is stored (shorter ones, "ok", "thanks", are not worth recalling).</summary>
    /// <value>Default 12 characters.</value>
    public int MinStoredLength { get; set; } = 12;

    /// <summary>Gets or sets the tags put on stored messages.</summary>
    /// <value>Default <c>conversation</c>.</value>
    public IReadOnlyList<string> Tags { get; set; } = ["conversation"];

    /// <summary>Gets or sets the key of the provider's state in the session's state bag.</summary>
    /// <value>Default <c>AgentMemoryContextProvider</c>; change it when one agent has two of these providers.</value>
    public string StateKey { get; set; } = nameof(AgentMemoryContextProvider);

    internal string Namespace => NamespacePrefix + UserId;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(UserId))
        {
            throw new ArgumentException("AgentMemoryContextProviderOptions.UserId is required: memories are kept per user.", nameof(UserId));
        }

        if (MaxResults < 0 || MinScore is < 0 or > 1 || MinStoredLength < 0)
        {
            throw new ArgumentException("AgentMemoryContextProviderOptions: MaxResults and MinStoredLength must not be negative and MinScore must be between 0 and 1.");
        }
    }
}
