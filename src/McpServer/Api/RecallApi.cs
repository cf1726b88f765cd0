using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace KernelMemoryPlus.Server.Api;

/// <summary><c>/api/v1/recall</c>: find the memories most relevant to a text.</summary>
internal static class RecallApi
{
    /// <summary>Maps the recall endpoint.</summary>
    public static RouteHandlerBuilder MapRecall(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/recall", RecallAsync)
            .WithTags("Recall")
            .WithName("Recall")
            .WithSummary("Recall the memories most relevant to a text")
            .WithDescription(
                "Ranks the namespace's memories by dense-vector, keyword (BM25) and typo-tolerant matches fused by reciprocal rank, rescored by " +
                "relevance, recency, importance and access frequency, optionally spread along links and diversified. Each result carries its " +
                "final score (0 to 1) and, unless explain is false, the components of that score.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Ok<RecallResponse>> RecallAsync(
        [FromBody, Description("The query: namespace and text, plus optional limit, filter, weights and options.")] RecallRequest body,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new RecallResponse(await engine.RecallAsync(body.ToQuery(), cancellationToken)));
}
