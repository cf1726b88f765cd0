namespace KernelMemoryPlus;

/// <summary>A permission to give (see <see cref="MemoryEngine.GrantAsync"/>).</summary>
public sealed record NewGrant
{
    /// <summary>The namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>One memory of the namespace, or null for all of it.</summary>
    public string? MemoryId { get; init; }

    /// <summary>The principal id or group name to give it to.</summary>
    public required string Grantee { get; init; }

    /// <summary>True when <see cref="Grantee"/> names a group.</summary>
    public bool IsGroup { get; init; }

    /// <summary>What to allow.</summary>
    public MemoryPermission Permission { get; init; } = MemoryPermission.Read;

    /// <summary>When it stops counting, or null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }
}
