using KernelMemoryPlus.Embeddings;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Answers the engine's exceptions and ASP.NET Core's binding failures on /api with problem details: invalid input
/// 400 naming the field, not found 404, version conflicts 412 (the request had If-Match) or 409, an unreachable
/// embedding service 503. Anything else is left to the default handler (a bare 500, logged).
/// </summary>
/// <remarks>Memory contents never reach the log: the exceptions handled here carry field names, ids and limits only.</remarks>
internal sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    /// <inheritdoc />
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!httpContext.Request.Path.StartsWithSegments(RestApi.Root))
        {
            return false;
        }

        var problem = exception switch
        {
            MemoryValidationException ex => ApiProblems.Invalid(ex.Field, ex.Message),
            MemoryNotFoundException ex => NotFound(ex),
            VersionConflictException ex => Conflict(httpContext, ex),
            MemoryAccessDeniedException ex => new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Access denied.",
                Detail = ex.Message,
            },
            EmbeddingServiceException ex => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The embedding service is unavailable.",
                Detail = ex.Message,
            },
            BadHttpRequestException ex => BadRequest(ex),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        LogRejected(logger, problem.Status ?? StatusCodes.Status400BadRequest, problem.Title);
        await ApiProblems.WriteAsync(httpContext, problem, exception);
        return true;
    }

    private static ProblemDetails NotFound(MemoryNotFoundException exception) => new()
    {
        Status = StatusCodes.Status404NotFound,
        Title = "Not found.",
        Detail = exception.Message,
        Extensions = { ["id"] = exception.Id },
    };

    private static ProblemDetails Conflict(HttpContext httpContext, VersionConflictException exception)
    {
        // No ETag header here: the exception handler strips cache headers from what it answers; currentVersion says it.
        bool precondition = httpContext.Request.Headers.IfMatch.Count > 0;
        return new ProblemDetails
        {
            Status = precondition ? StatusCodes.Status412PreconditionFailed : StatusCodes.Status409Conflict,
            Title = precondition ? "The memory changed since it was read (If-Match does not hold)." : "The memory changed since it was read.",
            Detail = exception.Message,
            Extensions =
            {
                ["id"] = exception.Id,
                ["expectedVersion"] = exception.ExpectedVersion,
                ["currentVersion"] = exception.CurrentVersion,
            },
        };
    }

    private static ProblemDetails BadRequest(BadHttpRequestException exception)
    {
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // The detail, naming the limit, is filled in by ApiProblems.Complete.
            return new ProblemDetails { Status = StatusCodes.Status413PayloadTooLarge };
        }

        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return new ProblemDetails { Status = StatusCodes.Status415UnsupportedMediaType, Title = "Unsupported media type." };
        }

        if (RequestErrors.Describe(exception) is var (field, message))
        {
            return ApiProblems.Invalid(field, message);
        }

        return new ProblemDetails
        {
            Status = exception.StatusCode,
            Title = "The request could not be read.",
            Detail = "The request does not fit this endpoint; see /openapi/v1.json for the API.",
        };
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "REST request rejected with {Status}: {Title}")]
    private static partial void LogRejected(ILogger logger, int status, string? title);
}
