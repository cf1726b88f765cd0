namespace KernelMemoryPlus;

/// <summary>One write of a batch (<see cref="MemoryEngine.ApplyBatchAsync"/>): a create, an update or a delete.</summary>
public abstract record MemoryWrite
{
    private MemoryWrite()
    {
    }

    /// <summary>The kinds of write.</summary>
    public enum Kind
    {
        /// <summary>Store a new memory.</summary>
        Create,

        /// <summary>Change a memory.</summary>
        Update,

        /// <summary>Delete a memory.</summary>
        Delete,
    }

    /// <summary>Stores a new memory.</summary>
    /// <param name="Memory">What to store.</param>
    public sealed record Create(NewMemory Memory) : MemoryWrite;

    /// <summary>Changes a memory.</summary>
    /// <param name="Id">The memory.</param>
    /// <param name="Changes">The changes.</param>
    /// <param name="ExpectedVersion">The version the change is based on, or null.</param>
    public sealed record Update(string Id, MemoryUpdate Changes, long? ExpectedVersion = null) : MemoryWrite;

    /// <summary>Deletes a memory and its links.</summary>
    /// <param name="Id">The memory.</param>
    /// <param name="ExpectedVersion">The version the delete is based on, or null.</param>
    public sealed record Delete(string Id, long? ExpectedVersion = null) : MemoryWrite;
}
