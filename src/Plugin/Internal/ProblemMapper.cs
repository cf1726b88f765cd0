using System.Globalization;
using System.Net;
using System.Text.Json;

namespace KernelMemoryPlus.Plugin.Internal;

/// <summary>
/// Turns an RFC 9457 problem answer into the exception the engine would have thrown, so callers handle in-process
/// and remote failures alike. Only the problem's title, detail, field names and ids are used: never request content.
/// </summary>
internal static class ProblemMapper
{
    public static async Task<Exception> ToExceptionAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        int status = (int)response.StatusCode;
        JsonElement problem = default;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!string.IsNullOrWhiteSpace(body))
            {
                using var document = JsonDocument.Parse(body);
                problem = document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's page, for example): the status alone is described below.
        }

        string? title = Text(problem, "title");
        string? detail = Text(problem, "detail");
        string summary = detail ?? title ?? response.ReasonPhrase ?? response.StatusCode.ToString();

        switch (response.StatusCode)
        {
            case HttpStatusCode.BadRequest when FirstError(problem) is var (field, message):
                return new MemoryValidationException(field, message);
            case HttpStatusCode.NotFound when Text(problem, "id") is { } id:
                return new MemoryNotFoundException(id);
            case HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed
                when Text(problem, "id") is { } id && Number(problem, "expectedVersion") is { } expected && Number(problem, "currentVersion") is { } current:
                return new VersionConflictException(id, expected, current);
            case HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway
                or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout or HttpStatusCode.InternalServerError:
                return new AgentMemoryUnavailableException(string.Create(CultureInfo.InvariantCulture, $"The memory server could not {what} ({status}): {summary}"));
            default:
                return new AgentMemoryException(string.Create(CultureInfo.InvariantCulture, $"The memory server refused to {what} ({status}): {summary}"), status);
        }
    }

    private static (string Field, string Message)? FirstError(JsonElement problem)
    {
        if (problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object)
        {
            foreach (var entry in errors.EnumerateObject())
            {
                var message = entry.Value.ValueKind == JsonValueKind.Array && entry.Value.GetArrayLength() > 0 ? entry.Value[0].GetString() : entry.Value.ToString();
                return (entry.Name, message ?? "invalid value");
            }
        }

        return null;
    }

    private static string? Text(JsonElement problem, string name) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement problem, string name) =>
        problem.ValueKind == JsonValueKind.Object && problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;
}
