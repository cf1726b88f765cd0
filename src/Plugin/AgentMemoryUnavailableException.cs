namespace KernelMemoryPlus.Plugin;

/// <summary>The memory could not be reached (connection refused, timeout, server error or unavailable).</summary>
/// <remarks>Callers such as the context provider treat it as "no memory this turn" and go on.</remarks>
public sealed class AgentMemoryUnavailableException : AgentMemoryException
{
    /// <summary>Initializes a new instance of the <see cref="AgentMemoryUnavailableException"/> class.</summary>
    public AgentMemoryUnavailableException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryUnavailableException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    public AgentMemoryUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryUnavailableException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AgentMemoryUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
