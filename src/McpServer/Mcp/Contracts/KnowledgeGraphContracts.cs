using System.ComponentModel;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Mcp.Contracts;

// The shapes of the reference MCP memory server (@modelcontextprotocol/server-memory), field for field.

/// <summary>An entity of the knowledge graph.</summary>
internal sealed record GraphEntity(
    [property: Description("The name of the entity")] string Name,
    [property: Description("The type of the entity")] string EntityType,
    [property: Description("An array of observation contents associated with the entity")] IReadOnlyList<string> Observations);

/// <summary>A relation between two entities.</summary>
internal sealed record GraphRelation(
    [property: Description("The name of the entity where the relation starts")] string From,
    [property: Description("The name of the entity where the relation ends")] string To,
    [property: Description("The type of the relation")] string RelationType);

/// <summary>Observations to add to one entity.</summary>
internal sealed record ObservationAddition(
    [property: Description("The name of the entity to add the observations to")] string EntityName,
    [property: Description("An array of observation contents to add")] IReadOnlyList<string> Contents);

/// <summary>Observations to delete from one entity.</summary>
internal sealed record ObservationDeletion(
    [property: Description("The name of the entity containing the observations")] string EntityName,
    [property: Description("An array of observations to delete")] IReadOnlyList<string> Observations);

/// <summary>What add_observations added to one entity.</summary>
internal sealed record ObservationsAdded(string EntityName, IReadOnlyList<string> AddedObservations);

/// <summary>A graph or part of one.</summary>
internal sealed record KnowledgeGraphResult(IReadOnlyList<GraphEntity> Entities, IReadOnlyList<GraphRelation> Relations);

/// <summary>The structured result of create_entities.</summary>
internal sealed record EntitiesResult(IReadOnlyList<GraphEntity> Entities);

/// <summary>The structured result of create_relations.</summary>
internal sealed record RelationsResult(IReadOnlyList<GraphRelation> Relations);

/// <summary>The structured result of add_observations.</summary>
internal sealed record ObservationsResult(IReadOnlyList<ObservationsAdded> Results);

/// <summary>The structured result of the delete tools.</summary>
internal sealed record SuccessResult(bool Success, string Message);

/// <summary>
/// Source-generated writers for graph results (names as the MCP serializer options write them), so a large search
/// answer is written without reflection-based metadata lookups.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(KnowledgeGraphResult))]
internal sealed partial class GraphJson : JsonSerializerContext;
