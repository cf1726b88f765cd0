namespace KernelMemoryPlus.Plugin;

/// <summary>A memory server refused a request for a reason other than invalid input, an unknown id or a version conflict.</summary>
/// <remarks>The message is safe to show to a model: it carries the server's problem title and detail, never memory contents.</remarks>
public class AgentMemoryException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="AgentMemoryException"/> class.</summary>
    public AgentMemoryException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    public AgentMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public AgentMemoryException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="AgentMemoryException"/> class.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The HTTP status the server answered, if any.</param>
    public AgentMemoryException(string message, int? statusCode)
        : base(message)
    {
        StatusCode = statusCode;
    }

    /// <summary>Gets the HTTP status the server answered, when the failure came from an HTTP answer.</summary>
    public int? StatusCode { get; }
}
