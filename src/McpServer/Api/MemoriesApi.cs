using System.ComponentModel;
using KernelMemoryPlus.Embeddings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace KernelMemoryPlus.Server.Api;

/// <summary><c>/api/v1/memories</c>: store, read, change, delete and list memories.</summary>
internal static partial class MemoriesApi
{
    private const string IfMatchDescription =
        "Apply only if the memory is still at this version: its ETag as read (for example \"3\"), or * for any version. " +
        "When the memory has changed since, the answer is 412 with the current version.";

    /// <summary>Maps the memory endpoints.</summary>
    public static RouteGroupBuilder MapMemories(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/memories").WithTags("Memories");

        group.MapPost(string.Empty, CreateAsync)
            .WithName("CreateMemory")
            .WithSummary("Store a memory")
            .WithDescription("Stores one memory and answers 201 with it, its Location and its ETag (the version, 1). The content is embedded by the server unless an embedding of the server's model is given.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/batch", BatchAsync)
            .WithName("WriteMemoryBatch")
            .WithSummary("Create, update and delete memories in one request")
            .WithDescription(
                "Validates every item first (fields, ids, expected versions) and writes nothing when any item fails: the answer is then a problem " +
                "(400, 404 or 409) with a result per item. Otherwise the creates are committed together in one transaction (all or none), then the " +
                "updates and deletes in item order, each in its own transaction. Should one of those fail after validation (the memory changed in " +
                "between, or the store failed), applying stops there and the answer is 207 with complete=false and a result per item; the items " +
                "before it stay applied. A memory may be changed by one item per batch.")
            .ProducesValidationProblem()
            .Produces<BatchResponse>(StatusCodes.Status207MultiStatus)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/{id}", GetAsync)
            .WithName("GetMemory")
            .WithSummary("Read a memory")
            .WithDescription("Answers the memory with its version as ETag, or 304 Not Modified when If-None-Match names that version.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPatch("/{id}", UpdateAsync)
            .WithName("UpdateMemory")
            .WithSummary("Change a memory")
            .WithDescription("Changes the given members (absent or null members stay as they are; a new content is re-embedded) and answers the memory with its new version as ETag. With If-Match the change applies only to that version (412 otherwise).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        group.MapDelete("/{id}", DeleteAsync)
            .WithName("DeleteMemory")
            .WithSummary("Delete a memory")
            .WithDescription("Deletes the memory and its links (the change feed keeps a tombstone) and answers 204. With If-Match it deletes only that version (412 otherwise).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        MemoryNdjsonResult.WithNdjsonAlternative(group.MapGet(string.Empty, ListAsync))
            .WithName("ListMemories")
            .WithSummary("List the memories of a namespace")
            .WithDescription(
                "Lists memories newest first, a page at a time: pass the answer's nextCursor as cursor for the next page (null at the end). " +
                "With Accept: application/x-ndjson the whole listing from the cursor on is streamed instead, one memory per line, read from the store a page of 'limit' at a time (default 500).")
            .ProducesValidationProblem();

        return group;
    }

    private static async Task<Created<MemoryRecord>> CreateAsync(
        [FromBody, Description("The memory to store.")] CreateMemoryRequest body,
        MemoryEngine engine,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        MemoryRecord record;
        try
        {
            record = await engine.RememberAsync(body.ToNewMemory(), cancellationToken);
        }
        catch (EmbeddingMismatchException ex) when (body.Embedding is not null)
        {
            throw new MemoryValidationException("embedding", ex.Message);
        }

        response.Headers.ETag = ETags.Format(record.Version);
        return TypedResults.Created(Location(record.Id), record);
    }

    private static async Task<Results<Ok<MemoryRecord>, StatusCodeHttpResult>> GetAsync(
        [Description("The memory's id.")] string id,
        [FromHeader(Name = "If-None-Match"), Description("Answer 304 without a body when the memory is still at this version (its ETag as read, for example \"3\").")] string? ifNoneMatch,
        MemoryEngine engine,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        var record = await engine.GetRequiredAsync(id, cancellationToken);
        response.Headers.ETag = ETags.Format(record.Version);
        if (ETags.IfNoneMatchHits(ifNoneMatch, record.Version))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(record);
    }

    private static async Task<Ok<MemoryRecord>> UpdateAsync(
        [Description("The memory's id.")] string id,
        [FromBody, Description("The changes: absent or null members stay as they are.")] MemoryUpdate body,
        [FromHeader(Name = "If-Match"), Description(IfMatchDescription)] string? ifMatch,
        MemoryEngine engine,
        HttpResponse response,
        CancellationToken cancellationToken)
    {
        long? expectedVersion = ETags.ParseIfMatch(ifMatch);
        var record = await engine.UpdateAsync(id, body, expectedVersion, cancellationToken);
        response.Headers.ETag = ETags.Format(record.Version);
        return TypedResults.Ok(record);
    }

    private static async Task<NoContent> DeleteAsync(
        [Description("The memory's id.")] string id,
        [FromHeader(Name = "If-Match"), Description(IfMatchDescription)] string? ifMatch,
        MemoryEngine engine,
        CancellationToken cancellationToken)
    {
        long? expectedVersion = ETags.ParseIfMatch(ifMatch);
        if (!await engine.ForgetAsync(id, expectedVersion, cancellationToken))
        {
            throw new MemoryNotFoundException(id);
        }

        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<MemoryPage>, MemoryNdjsonResult>> ListAsync(
        [Description("The namespace to list. Required.")] string? @namespace,
        [Description("Only memories of these kinds (repeat the parameter for several): Episodic, Semantic or Procedural, in any case.")] string[]? kind,
        [Description("Only memories carrying every one of these tags (repeat the parameter for several).")] string[]? tag,
        [Description("Include memories whose validity has ended (superseded facts, old procedure versions). Default false.")] bool? includeExpired,
        [Description("The nextCursor of the previous page; omit for the first page.")] string? cursor,
        [Description("Page size, 1 to the configured maximum (default 50; 500 when streaming NDJSON).")] int? limit,
        MemoryEngine engine,
        HttpRequest request,
        CancellationToken cancellationToken)
    {
        var filter = new MemoryFilter
        {
            Kinds = QueryValues.Enums<MemoryKind>(kind, "kind"),
            Tags = tag is { Length: > 0 } ? tag : null,
            IncludeExpired = includeExpired ?? false,
        };
        bool stream = MemoryNdjsonResult.IsRequested(request);
        int pageSize = limit ?? (stream ? Math.Min(500, engine.Options.MaxResults) : 50);
        string ns = @namespace ?? string.Empty;

        async Task<MemoryPage> ReadAsync(string? from, CancellationToken token)
        {
            try
            {
                return await engine.ListAsync(ns, filter, from, pageSize, token);
            }
            catch (MemoryValidationException ex) when (ex.Field.StartsWith("filter.", StringComparison.Ordinal))
            {
                // The engine names its filter's members; the client sent query parameters.
                throw new MemoryValidationException(ex.Field.StartsWith("filter.kinds", StringComparison.Ordinal) ? "kind" : "tag", ex.Message);
            }
        }

        var first = await ReadAsync(string.IsNullOrEmpty(cursor) ? null : cursor, cancellationToken);
        return stream ? new MemoryNdjsonResult(first, ReadAsync) : TypedResults.Ok(first);
    }

    private static string Location(string id) => $"{RestApi.V1}/memories/{Uri.EscapeDataString(id)}";
}
