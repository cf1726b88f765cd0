namespace KernelMemoryPlus;

/// <summary>Who owns a namespace and how it resolves write conflicts.</summary>
public sealed record NamespaceSettings
{
    /// <summary>The namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The principal that owns it (the first one that wrote to it), or null when none does.</summary>
    public string? Owner { get; init; }

    /// <summary>What a stale write does.</summary>
    public ConflictPolicy ConflictPolicy { get; init; } = ConflictPolicy.Reject;

    /// <summary>Which content a merge keeps.</summary>
    public MergeContentRule MergeContent { get; init; } = MergeContentRule.Incoming;

    /// <summary>What the current principal may do in it (null: nothing).</summary>
    public MemoryPermission? YourPermission { get; init; }
}
