namespace KernelMemoryPlus;

/// <summary>An update or delete named a version that is no longer the current one (optimistic concurrency).</summary>
public sealed class VersionConflictException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="id">The memory id.</param>
    /// <param name="expectedVersion">The version the caller based its change on.</param>
    /// <param name="currentVersion">The version stored now.</param>
    public VersionConflictException(string id, long expectedVersion, long currentVersion)
        : base($"Memory '{id}' is at version {currentVersion}, not {expectedVersion}: it changed since it was read. Read it again and retry.")
    {
        Id = id;
        ExpectedVersion = expectedVersion;
        CurrentVersion = currentVersion;
    }

    /// <summary>The memory id.</summary>
    public string Id { get; }

    /// <summary>The version the caller expected.</summary>
    public long ExpectedVersion { get; }

    /// <summary>The current version.</summary>
    public long CurrentVersion { get; }
}
