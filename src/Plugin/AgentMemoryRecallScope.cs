namespace KernelMemoryPlus.Plugin;

/// <summary>Which stored memories the context provider recalls from.</summary>
public enum AgentMemoryRecallScope
{
    /// <summary>Everything in the user's namespace, whichever agent or thread stored it (long-term memory across conversations).</summary>
    User = 0,

    /// <summary>Only memories this agent stored for the user (author = the agent id).</summary>
    Agent = 1,

    /// <summary>Only memories of the current thread (episodic session = the thread id).</summary>
    Thread = 2,
}
