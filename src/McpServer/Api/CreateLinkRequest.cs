namespace KernelMemoryPlus.Server.Api;

/// <summary>A link between two memories (<c>POST /api/v1/links</c>); posting the same from, to and type again updates the link.</summary>
public sealed record CreateLinkRequest
{
    /// <summary>The source memory's id. Required.</summary>
    public string? FromId { get; init; }

    /// <summary>The target memory's id. Required.</summary>
    public string? ToId { get; init; }

    /// <summary>The relation: ASCII letters, digits, '_', '-' or ':', up to 64 characters, stored lower case (default "related_to").</summary>
    public string? Type { get; init; }

    /// <summary>Strength between 0 and 1 (default 0.5).</summary>
    public double? Weight { get; init; }

    /// <summary>Whether the link can be followed from target to source too (default false).</summary>
    public bool? Bidirectional { get; init; }

    /// <summary>The principal making the link, as a label.</summary>
    public string? Author { get; init; }

    /// <summary>The engine's input; absent required members reach the engine empty, so it names them.</summary>
    internal NewLink ToNewLink()
    {
        var link = new NewLink { FromId = FromId ?? string.Empty, ToId = ToId ?? string.Empty, Author = Author };
        return link with
        {
            Type = Type ?? link.Type,
            Weight = Weight ?? link.Weight,
            Bidirectional = Bidirectional ?? link.Bidirectional,
        };
    }
}
