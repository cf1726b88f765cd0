namespace KernelMemoryPlus;

/// <summary>The current principal may not do what it asked (the doors answer 403).</summary>
public sealed class MemoryAccessDeniedException : UnauthorizedAccessException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was refused and what would allow it; never memory contents.</param>
    public MemoryAccessDeniedException(string message)
        : base(message)
    {
    }
}
