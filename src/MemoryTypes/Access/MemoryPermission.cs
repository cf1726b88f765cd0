namespace KernelMemoryPlus;

/// <summary>What a grant allows; each level includes the ones below it.</summary>
public enum MemoryPermission
{
    /// <summary>Read memories, links and the change feed, recall, subscribe.</summary>
    Read = 1,

    /// <summary>Also store, change, link and forget memories.</summary>
    Write = 2,

    /// <summary>Also grant read, write or share to others, and revoke those grants.</summary>
    Share = 3,

    /// <summary>Also grant admin, revoke any grant, set the conflict policy and transfer ownership (what the owner has).</summary>
    Admin = 4,
}
