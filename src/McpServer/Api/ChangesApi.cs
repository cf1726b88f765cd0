using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace KernelMemoryPlus.Server.Api;

/// <summary><c>/api/v1/changes</c>: the change feed, and <c>/api/v1/namespaces</c>.</summary>
internal static class ChangesApi
{
    /// <summary>Maps the change feed and the namespace list.</summary>
    public static IEndpointRouteBuilder MapChanges(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/changes", GetChangesAsync)
            .WithTags("Changes")
            .WithName("GetChanges")
            .WithSummary("Read the change feed")
            .WithDescription(
                "Answers the changes after a sequence number, in order: creates, updates, deletes (tombstones), links and unlinks. Sequence " +
                "numbers are gap-free per store and survive restarts: pass the answer's nextSince as since to continue, also after a disconnect.")
            .ProducesValidationProblem();

        routes.MapGet("/namespaces", ListNamespacesAsync)
            .WithTags("Namespaces")
            .WithName("ListNamespaces")
            .WithSummary("List the namespaces")
            .WithDescription("Answers the namespaces that hold or held memories, in ordinal order.");

        return routes;
    }

    private static async Task<Ok<ChangePage>> GetChangesAsync(
        [Description("Only changes of this namespace; omit for every namespace.")] string? @namespace,
        [Description("Answer changes with a sequence number greater than this (default 0: from the start).")] long? since,
        [Description("Most changes to answer, 1 to the configured maximum (default 100).")] int? limit,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await engine.GetChangesAsync(string.IsNullOrEmpty(@namespace) ? null : @namespace, since ?? 0, limit ?? 100, cancellationToken));

    private static async Task<Ok<NamespaceListResponse>> ListNamespacesAsync(MemoryEngine engine, CancellationToken cancellationToken) =>
        TypedResults.Ok(new NamespaceListResponse(await engine.ListNamespacesAsync(cancellationToken)));
}
