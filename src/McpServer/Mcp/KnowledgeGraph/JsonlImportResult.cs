namespace KernelMemoryPlus.Server.Mcp.KnowledgeGraph;

/// <summary>What an import of a JSONL memory file did.</summary>
public sealed record JsonlImportResult
{
    /// <summary>How many non-empty lines were read.</summary>
    public int Lines { get; init; }

    /// <summary>Entities that did not exist and were created.</summary>
    public int EntitiesCreated { get; init; }

    /// <summary>Entities that existed already; their new observations were added.</summary>
    public int EntitiesMerged { get; init; }

    /// <summary>Observations added (to new and existing entities).</summary>
    public int ObservationsAdded { get; init; }

    /// <summary>Relations created.</summary>
    public int RelationsCreated { get; init; }

    /// <summary>Relations that existed already.</summary>
    public int RelationsSkipped { get; init; }

    /// <summary>The lines that could not be imported, in line order; the other lines were imported.</summary>
    public IReadOnlyList<JsonlImportError> Errors { get; init; } = [];
}
