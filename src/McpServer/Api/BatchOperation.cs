namespace KernelMemoryPlus.Server.Api;

/// <summary>What one item of a batch does.</summary>
public enum BatchOperation
{
    /// <summary>Store a new memory (the item's <c>memory</c>).</summary>
    Create = 0,

    /// <summary>Change a memory (the item's <c>id</c> and <c>changes</c>).</summary>
    Update = 1,

    /// <summary>Delete a memory (the item's <c>id</c>).</summary>
    Delete = 2,
}
