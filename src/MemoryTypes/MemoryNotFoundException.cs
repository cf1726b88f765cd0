namespace KernelMemoryPlus;

/// <summary>No memory (or link) with the given id exists in a namespace the caller can see.</summary>
public sealed class MemoryNotFoundException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="id">The id that was not found.</param>
    public MemoryNotFoundException(string id)
        : base($"No memory with id '{id}' exists.")
    {
        Id = id;
    }

    /// <summary>The id that was not found.</summary>
    public string Id { get; }
}
