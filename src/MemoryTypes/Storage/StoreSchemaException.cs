namespace KernelMemoryPlus.Storage;

/// <summary>
/// Thrown when a store file cannot be opened as a KernelMemoryPlus database: it is corrupt, it is not a SQLite
/// database, it belongs to another application, or it was written by a newer version of KernelMemoryPlus whose
/// schema this version does not know.
/// </summary>
/// <remarks>
/// The store refuses such a file before writing anything to it, so the file is left exactly as it was; the message
/// names the file and says what to do (restore a backup, point the store at another path, or upgrade).
/// </remarks>
public sealed class StoreSchemaException : Exception
{
    /// <summary>Creates the exception with a default message.</summary>
    public StoreSchemaException()
        : base("The store file is not a usable KernelMemoryPlus database.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the file and what to do.</param>
    public StoreSchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the error that revealed the problem.</summary>
    /// <param name="message">What is wrong with the file and what to do.</param>
    /// <param name="innerException">The underlying error, for example the SQLite error.</param>
    public StoreSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a specific file.</summary>
    /// <param name="message">What is wrong with the file and what to do.</param>
    /// <param name="filePath">The full path of the refused file.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public StoreSchemaException(string message, string filePath, Exception? innerException = null)
        : base(message, innerException)
    {
        FilePath = filePath;
    }

    /// <summary>The full path of the refused file, when known.</summary>
    public string? FilePath { get; }
}
