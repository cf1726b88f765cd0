namespace KernelMemoryPlus;

/// <summary>A permission given on a namespace, or on one memory of it, to a principal or a group.</summary>
public sealed record MemoryGrant
{
    /// <summary>The grant's id (to revoke it).</summary>
    public required string Id { get; init; }

    /// <summary>The namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The one memory the grant is for, or null for the whole namespace.</summary>
    public string? MemoryId { get; init; }

    /// <summary>The principal id or group name it is given to.</summary>
    public required string Grantee { get; init; }

    /// <summary>True when <see cref="Grantee"/> is a group.</summary>
    public bool IsGroup { get; init; }

    /// <summary>What it allows.</summary>
    public required MemoryPermission Permission { get; init; }

    /// <summary>When it stops counting, or null for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Who gave it.</summary>
    public required string GrantedBy { get; init; }

    /// <summary>When it was given.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>True when the grant counts at <paramref name="now"/>.</summary>
    public bool IsActiveAt(DateTimeOffset now) => ExpiresAt is null || ExpiresAt > now;
}
