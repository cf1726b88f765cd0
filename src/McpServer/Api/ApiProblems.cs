using System.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using HttpJsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace KernelMemoryPlus.Server.Api;

/// <summary>The RFC 9457 problem details the REST door answers with.</summary>
internal static class ApiProblems
{
    /// <summary>400 with <c>errors: { field: [message] }</c>.</summary>
    public static HttpValidationProblemDetails Invalid(string field, string message) =>
        Invalid(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    /// <summary>400 with several invalid fields.</summary>
    public static HttpValidationProblemDetails Invalid(IDictionary<string, string[]> errors) => new(errors)
    {
        Status = StatusCodes.Status400BadRequest,
        Title = "The request is invalid.",
        Detail = errors.Count == 1 ? $"{errors.Keys.First()}: {errors.Values.First()[0]}" : "Several fields are invalid; see errors.",
    };

    /// <summary>
    /// Writes a problem as the answer. Problem details are the answer to a failed request whatever its Accept header
    /// asked for (a client asking only for NDJSON still gets a readable error), so when no problem details writer
    /// accepts the request the problem is written as application/problem+json directly.
    /// </summary>
    public static async Task WriteAsync(HttpContext httpContext, ProblemDetails problem, Exception? exception = null)
    {
        httpContext.Response.StatusCode = problem.Status ??= StatusCodes.Status500InternalServerError;
        var service = httpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
        if (await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }))
        {
            return;
        }

        Complete(httpContext, problem, httpContext.RequestServices.GetRequiredService<IOptions<ApiSettings>>().Value);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(problem.Status.Value);
        problem.Extensions.TryAdd("traceId", Activity.Current?.Id ?? httpContext.TraceIdentifier);
        var json = httpContext.RequestServices.GetRequiredService<IOptions<HttpJsonOptions>>().Value.SerializerOptions;
        await httpContext.Response.WriteAsJsonAsync(problem, problem.GetType(), json, "application/problem+json", httpContext.RequestAborted);
    }

    /// <summary>
    /// Completes problem details written for /api requests: a 413 without a detail (the server refused the body, or
    /// the status came from the body-size guard) states the limit and the setting; bare 404, 405 and 415 answers
    /// say what to do.
    /// </summary>
    public static void Complete(HttpContext httpContext, ProblemDetails problem, ApiSettings settings)
    {
        if (!httpContext.Request.Path.StartsWithSegments(RestApi.Root))
        {
            return;
        }

        if (problem.Status == StatusCodes.Status413PayloadTooLarge && problem.Detail is null)
        {
            problem.Title = "The request body is too large.";
            problem.Detail = $"The request body is larger than the limit of {settings.MaxBodyBytes} bytes (setting {ApiSettings.SectionName}:MaxBodyBytes).";
            problem.Extensions["maxBodyBytes"] = settings.MaxBodyBytes;
        }
        else if (problem.Status == StatusCodes.Status415UnsupportedMediaType && problem.Detail is null)
        {
            problem.Detail = "Send the body as JSON with the header Content-Type: application/json.";
        }
        else if (problem.Status == StatusCodes.Status404NotFound && problem.Detail is null)
        {
            problem.Detail = "No endpoint answers this path; see /openapi/v1.json for the API.";
        }
        else if (problem.Status == StatusCodes.Status405MethodNotAllowed && problem.Detail is null)
        {
            problem.Detail = "This path does not answer this method; see /openapi/v1.json for the API.";
        }
    }
}
