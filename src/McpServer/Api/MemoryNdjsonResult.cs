using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.OpenApi;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// A memory listing streamed as NDJSON: one memory per line, page after page until the end of the listing. Each
/// page is written and flushed before the next is read, so the server holds one page at a time, however long the
/// listing.
/// </summary>
/// <remarks>
/// The first page is read before the response starts, so invalid input is still answered with problem details; a
/// failure after that can only cut the stream short (the client sees a truncated last line or a reset).
/// </remarks>
internal sealed class MemoryNdjsonResult(MemoryPage firstPage, Func<string, CancellationToken, Task<MemoryPage>> nextPage) : IResult
{
    /// <summary>The media type.</summary>
    public const string ContentType = "application/x-ndjson";

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Whether the request's Accept header asks for NDJSON.</summary>
    public static bool IsRequested(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(ContentType, StringComparison.OrdinalIgnoreCase) && a.Quality is not 0);

    /// <summary>Adds the NDJSON form of the 200 answer (one <see cref="MemoryRecord"/> per line) to an endpoint's OpenAPI operation.</summary>
    public static TBuilder WithNdjsonAlternative<TBuilder>(TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
            {
                content[ContentType] = new OpenApiMediaType
                {
                    Schema = context.Document is { } document
                        ? new OpenApiSchemaReference(nameof(MemoryRecord), document)
                        : await context.GetOrCreateSchemaAsync(typeof(MemoryRecord), null, cancellationToken),
                };
            }
        });

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var cancellationToken = httpContext.RequestAborted;
        var serializer = httpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var typeInfo = serializer.GetTypeInfo(typeof(MemoryRecord));
        httpContext.Response.StatusCode = StatusCodes.Status200OK;
        httpContext.Response.ContentType = ContentType;
        httpContext.Response.Headers[HeaderNames.CacheControl] = "no-store";

        var body = httpContext.Response.BodyWriter;
        await using var json = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = serializer.Encoder });
        var page = firstPage;
        while (true)
        {
            foreach (var memory in page.Items)
            {
                JsonSerializer.Serialize(json, memory, typeInfo);
                json.Flush();
                json.Reset();
                body.Write(NewLine);
            }

            var flushed = await body.FlushAsync(cancellationToken);
            if (page.NextCursor is null || flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }

            page = await nextPage(page.NextCursor, cancellationToken);
        }
    }
}
