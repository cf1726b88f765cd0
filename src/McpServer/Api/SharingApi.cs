using System.ComponentModel;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Sharing: namespace settings (owner, conflict policy), grants and the record of write conflicts. The caller is the
/// authenticated principal; the engine decides what it may see and change (403 otherwise).
/// </summary>
internal static class SharingApi
{
    /// <summary>Maps the sharing endpoints.</summary>
    public static IEndpointRouteBuilder MapSharing(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/namespaces/{ns}", GetSettingsAsync)
            .WithTags("Sharing")
            .WithName("GetNamespace")
            .WithSummary("A namespace's owner, conflict policy and your permission")
            .WithDescription("The owner (the principal whose write created the namespace), the conflict policy and merge rule, and what the caller may do in it. 403 when the caller may read nothing of it.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        routes.MapPut("/namespaces/{ns}/policy", SetPolicyAsync)
            .WithTags("Sharing")
            .WithName("SetConflictPolicy")
            .WithSummary("Set how stale writes are resolved")
            .WithDescription("reject (default: a stale write fails with the current version), lastWriterWins, or merge (tags united, metadata merged, content by mergeContent). Admins of the namespace only.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        routes.MapPut("/namespaces/{ns}/owner", SetOwnerAsync)
            .WithTags("Sharing")
            .WithName("SetNamespaceOwner")
            .WithSummary("Give a namespace to another owner")
            .WithDescription("Admins of the namespace (or administrators, for namespaces without an owner) only.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        routes.MapGet("/namespaces/{ns}/grants", ListAsync)
            .WithTags("Sharing")
            .WithName("ListGrants")
            .WithSummary("Who has access to a namespace")
            .WithDescription("Every grant of the namespace for holders of share or admin on it; otherwise the grants the caller gave or received.")
            .ProducesValidationProblem();

        routes.MapPost("/namespaces/{ns}/grants", GrantAsync)
            .WithTags("Sharing")
            .WithName("CreateGrant")
            .WithSummary("Share a namespace, or one memory of it")
            .WithDescription("Gives read, write, share or admin to a principal or a group, optionally until a time. Needs share on the namespace or memory; only admins give admin.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapGet("/grants", MineAsync)
            .WithTags("Sharing")
            .WithName("ListMyGrants")
            .WithSummary("The grants given to the caller and its groups")
            .WithDescription("Every active or expired grant whose grantee is the caller or one of its groups, across namespaces.");

        routes.MapDelete("/grants/{id}", RevokeAsync)
            .WithTags("Sharing")
            .WithName("RevokeGrant")
            .WithSummary("Take a grant back")
            .WithDescription("The grantee loses the access at once, live change streams included.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);

        routes.MapGet("/namespaces/{ns}/conflicts", ConflictsAsync)
            .WithTags("Sharing")
            .WithName("ListConflicts")
            .WithSummary("Write conflicts of a namespace and how they were resolved")
            .WithDescription("Each time two writers changed the same memory: the versions involved, the policy, the outcome (rejected, overwritten, merged) and who wrote, newest first. Readers of the namespace.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return routes;
    }

    private static async Task<Ok<NamespaceSettings>> GetSettingsAsync([Description("The namespace.")] string ns, MemoryEngine engine, CancellationToken cancellationToken) =>
        TypedResults.Ok(await engine.GetNamespaceSettingsAsync(Decode(ns), cancellationToken));

    private static async Task<Ok<NamespaceSettings>> SetPolicyAsync(
        [Description("The namespace.")] string ns,
        [FromBody, Description("The policy, and for merge which content wins.")] PolicyRequest body,
        MemoryEngine engine,
        CancellationToken cancellationToken)
    {
        var policy = body.ConflictPolicy ?? throw new MemoryValidationException("conflictPolicy", "conflictPolicy is required: reject, lastWriterWins or merge.");
        return TypedResults.Ok(await engine.SetConflictPolicyAsync(Decode(ns), policy, body.MergeContent ?? MergeContentRule.Incoming, cancellationToken));
    }

    private static async Task<Ok<NamespaceSettings>> SetOwnerAsync(
        [Description("The namespace.")] string ns,
        [FromBody, Description("The new owner.")] OwnerRequest body,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await engine.SetOwnerAsync(Decode(ns), body.Owner ?? throw new MemoryValidationException("owner", "owner is required."), cancellationToken));

    private static async Task<Ok<GrantListResponse>> ListAsync([Description("The namespace.")] string ns, MemoryEngine engine, CancellationToken cancellationToken) =>
        TypedResults.Ok(new GrantListResponse(await engine.ListGrantsAsync(Decode(ns), cancellationToken)));

    private static async Task<Ok<GrantListResponse>> MineAsync(MemoryEngine engine, CancellationToken cancellationToken) =>
        TypedResults.Ok(new GrantListResponse(await engine.ListGrantsAsync(null, cancellationToken)));

    private static async Task<Created<MemoryGrant>> GrantAsync(
        [Description("The namespace.")] string ns,
        [FromBody, Description("Who gets what: grantee (a principal id, or a group name with group=true), permission, optional memoryId and expiresAt.")] GrantRequest body,
        MemoryEngine engine,
        CancellationToken cancellationToken)
    {
        var grant = await engine.GrantAsync(new NewGrant
        {
            Namespace = Decode(ns),
            Grantee = body.Grantee ?? throw new MemoryValidationException("grantee", "grantee is required."),
            IsGroup = body.Group ?? false,
            MemoryId = body.MemoryId,
            Permission = body.Permission ?? MemoryPermission.Read,
            ExpiresAt = body.ExpiresAt,
        }, cancellationToken);
        return TypedResults.Created($"{RestApi.V1}/grants/{grant.Id}", grant);
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>>> RevokeAsync([Description("The grant id.")] string id, MemoryEngine engine, CancellationToken cancellationToken) =>
        await engine.RevokeAsync(id, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.NotFound(new ProblemDetails { Status = StatusCodes.Status404NotFound, Title = "Not found.", Detail = $"No grant '{id}' that you can see." });

    private static async Task<Ok<ConflictListResponse>> ConflictsAsync(
        [Description("The namespace.")] string ns,
        [Description("How many, newest first (default 50).")] int? limit,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(new ConflictListResponse(await engine.GetConflictsAsync(Decode(ns), limit ?? 50, cancellationToken)));

    /// <summary>
    /// The namespace of a route: namespaces may hold '/', which a client sends as %2F and routing leaves encoded (a
    /// namespace never holds '%', so decoding cannot change a valid one).
    /// </summary>
    private static string Decode(string ns) => ns.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(ns) : ns;

    /// <summary>The body of PUT /namespaces/{ns}/policy.</summary>
    internal sealed record PolicyRequest(
        [property: Description("reject, lastWriterWins or merge.")] ConflictPolicy? ConflictPolicy,
        [property: Description("With merge: incoming (default) or current.")] MergeContentRule? MergeContent);

    /// <summary>The body of PUT /namespaces/{ns}/owner.</summary>
    internal sealed record OwnerRequest([property: Description("The new owner's principal id.")] string? Owner);

    /// <summary>The body of POST /namespaces/{ns}/grants.</summary>
    internal sealed record GrantRequest(
        [property: Description("A principal id, or a group name with group=true.")] string? Grantee,
        [property: Description("True when grantee names a group.")] bool? Group,
        [property: Description("read (default), write, share or admin.")] MemoryPermission? Permission,
        [property: Description("Only this memory of the namespace.")] string? MemoryId,
        [property: Description("When the access ends (default never).")] DateTimeOffset? ExpiresAt);

    /// <summary>A list of grants.</summary>
    internal sealed record GrantListResponse(IReadOnlyList<MemoryGrant> Grants);

    /// <summary>A list of conflict resolutions.</summary>
    internal sealed record ConflictListResponse(IReadOnlyList<ConflictResolution> Conflicts);
}
