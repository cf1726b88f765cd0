using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Holds request bodies under /api to <see cref="ApiSettings.MaxBodyBytes"/>: a declared Content-Length above it is
/// refused with 413 before anything is read; the server's own limit (Kestrel) is set to it; and the body stream is
/// counted, so a chunked body that grows past it fails with 413 too, on any server.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<ApiSettings> settings)
{
    /// <summary>Checks and wraps the request body, then runs the rest of the pipeline.</summary>
    public Task InvokeAsync(HttpContext context)
    {
        long limit = settings.Value.MaxBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            // ApiProblems.Complete states the limit when the status-code page turns this into problem details.
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            return Task.CompletedTask;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = limit;
        }

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
        {
            context.Request.Body = new LimitedRequestStream(context.Request.Body, limit);
        }

        return next(context);
    }
}
