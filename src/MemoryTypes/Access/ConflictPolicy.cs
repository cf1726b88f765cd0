namespace KernelMemoryPlus;

/// <summary>What happens when a write names a version that is no longer current (set per namespace).</summary>
public enum ConflictPolicy
{
    /// <summary>The write is refused with the current version (the default); the writer re-reads and retries.</summary>
    Reject,

    /// <summary>The write is applied on top of the current version as given: the last writer wins.</summary>
    LastWriterWins,

    /// <summary>
    /// The write is merged into the current version: tags are united, metadata entries merged (the incoming value
    /// wins for a key both set), the other fields the write sets replace the current ones, and the content follows
    /// <see cref="NamespaceSettings.MergeContent"/>.
    /// </summary>
    Merge,
}
