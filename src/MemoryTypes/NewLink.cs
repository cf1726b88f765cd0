namespace KernelMemoryPlus;

/// <summary>What a caller supplies to link two memories.</summary>
public sealed record NewLink
{
    /// <summary>The source memory.</summary>
    public required string FromId { get; init; }

    /// <summary>The target memory.</summary>
    public required string ToId { get; init; }

    /// <summary>The relation type (letters, digits, '_', '-', ':', up to 64 characters; stored lower case). Default "related_to".</summary>
    public string Type { get; init; } = "related_to";

    /// <summary>Strength between 0 and 1 (default 0.5).</summary>
    public double Weight { get; init; } = 0.5;

    /// <summary>Whether the link can be followed both ways.</summary>
    public bool Bidirectional { get; init; }

    /// <summary>The principal making the link.</summary>
    public string? Author { get; init; }
}
