namespace KernelMemoryPlus.Encryption;

/// <summary>
/// Encrypted data could not be read or keys could not be loaded: the memory was sealed with a key the key ring does
/// not hold (a wrong or incomplete key ring), the stored data fails authentication (changed or damaged), or the key
/// file is unreadable. The message names the memory, the key id and what to do; never a key or any content.
/// </summary>
public sealed class MemoryEncryptionException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public MemoryEncryptionException()
        : base("Encrypted memory data could not be read.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed and what to do.</param>
    public MemoryEncryptionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error behind it.</summary>
    /// <param name="message">What failed and what to do.</param>
    /// <param name="innerException">The underlying error.</param>
    public MemoryEncryptionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The id of the key the data was sealed with (8 hex digits), when known.</summary>
    public string? KeyId { get; init; }

    /// <summary>The id of the memory or link whose data could not be read, when known.</summary>
    public string? RecordId { get; init; }
}
