namespace KernelMemoryPlus;

/// <summary>What a change-feed entry records.</summary>
public enum ChangeOperation
{
    /// <summary>A memory was stored.</summary>
    Created = 0,

    /// <summary>A memory changed (content, tags, validity, outcome counts, ...).</summary>
    Updated = 1,

    /// <summary>A memory was deleted (a tombstone: only the id and the last version remain).</summary>
    Deleted = 2,

    /// <summary>A link was made or changed.</summary>
    Linked = 3,

    /// <summary>A link was removed.</summary>
    Unlinked = 4,
}
