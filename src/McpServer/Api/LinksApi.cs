using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace KernelMemoryPlus.Server.Api;

/// <summary>Associative memory: <c>/api/v1/links</c> and the links and associations of a memory.</summary>
internal static class LinksApi
{
    /// <summary>Maps the link endpoints.</summary>
    public static IEndpointRouteBuilder MapLinks(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/links", LinkAsync)
            .WithTags("Links")
            .WithName("CreateLink")
            .WithSummary("Link two memories")
            .WithDescription("Makes a typed, weighted link from one memory to another, or updates the link of that type between them (weight, direction), and answers the stored link.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        routes.MapDelete("/links", UnlinkAsync)
            .WithTags("Links")
            .WithName("DeleteLinks")
            .WithSummary("Remove the links between two memories")
            .WithDescription("Removes the links from one memory to another (and bidirectional ones the other way), of one type or of every type, and answers how many were removed.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapGet("/memories/{id}/links", GetLinksAsync)
            .WithTags("Links")
            .WithName("GetMemoryLinks")
            .WithSummary("List the links of a memory")
            .WithDescription("Lists the memory's links, strongest first, each with its stored weight and its weight now (faded by disuse).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapGet("/memories/{id}/associations", ExploreAsync)
            .WithTags("Links")
            .WithName("GetMemoryAssociations")
            .WithSummary("Explore the associations of a memory")
            .WithDescription("Spreads activation from the memory along its links (each hop multiplies by the link's weight now and a decay) and lists the memories reached, strongest first, with the link that reached each.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        return routes;
    }

    private static async Task<Ok<MemoryLink>> LinkAsync(
        [FromBody, Description("The link: fromId and toId, plus optional type, weight and direction.")] CreateLinkRequest body,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await engine.LinkAsync(body.ToNewLink(), cancellationToken));

    private static async Task<Ok<UnlinkResponse>> UnlinkAsync(
        [Description("The source memory's id. Required.")] string? fromId,
        [Description("The target memory's id. Required.")] string? toId,
        [Description("Only links of this type; omit to remove links of every type.")] string? type,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new UnlinkResponse(await engine.UnlinkAsync(fromId ?? string.Empty, toId ?? string.Empty, type, cancellationToken)));

    private static async Task<Ok<LinkListResponse>> GetLinksAsync(
        [Description("The memory's id.")] string id,
        [Description("Which links: Both (default), Outgoing or Incoming, in any case.")] string? direction,
        [Description("Only links of this type; omit for every type.")] string? type,
        MemoryEngine engine,
        CancellationToken cancellationToken)
    {
        var which = QueryValues.Enum<LinkDirection>(direction, "direction") ?? LinkDirection.Both;
        return TypedResults.Ok(new LinkListResponse(await engine.GetLinksAsync(id, which, type, cancellationToken)));
    }

    private static async Task<Ok<AssociationListResponse>> ExploreAsync(
        [Description("The memory to start from.")] string id,
        [Description("How many link hops to follow, 1 to 4 (default 2).")] int? depth,
        [Description("Stop spreading below this activation, 0 to 1 (default 0.05).")] double? minActivation,
        [Description("Most memories to return, 1 to the configured maximum (default 25).")] int? limit,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new AssociationListResponse(await engine.ExploreAsync(id, depth ?? 2, minActivation ?? 0.05, limit ?? 25, cancellationToken)));
}
