using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace KernelMemoryPlus.Server.Api;

/// <summary>The REST door under /api/v1 with its OpenAPI document and API reference page.</summary>
/// <remarks>
/// Every answer is JSON with web defaults (camelCase, enums as their names); every error is RFC 9457 problem details.
/// Request bodies are limited by <see cref="ApiSettings"/>. The door translates HTTP to engine calls: what is
/// valid, found or current is the engine's decision.
/// </remarks>
public static class RestApi
{
    /// <summary>The path every REST endpoint lives under.</summary>
    public const string Root = "/api";

    /// <summary>The path of version 1 of the API.</summary>
    public const string V1 = "/api/v1";

    /// <summary>The path of the browsable API reference page.</summary>
    public const string ReferencePath = "/api/reference";

    /// <summary>The OpenAPI document's name; it is served at <c>/openapi/v1.json</c>.</summary>
    public const string DocumentName = "v1";

    /// <summary>
    /// Registers the REST API's services: its settings, JSON options, problem details, the exception handler and the
    /// OpenAPI document.
    /// </summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder AddRestApi(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<ApiSettings>()
            .Bind(builder.Configuration.GetSection(ApiSettings.SectionName))
            .Validate(s => s.MaxBodyBytes > 0, $"Setting '{ApiSettings.SectionName}:MaxBodyBytes' must be a positive number of bytes.")
            .Validate(s => s.MaxBatchItems > 0, $"Setting '{ApiSettings.SectionName}:MaxBatchItems' must be positive.")
            .ValidateOnStart();

        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false)));

        // Binding failures (malformed JSON, a wrong type, a query value that is not a number) are thrown rather than
        // answered with an empty 400, so the exception handler can name the field.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<ProblemDetailsOptions>().Configure<IOptions<ApiSettings>>((o, settings) =>
        {
            var previous = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                ApiProblems.Complete(context.HttpContext, context.ProblemDetails, settings.Value);
            };
        });
        builder.Services.AddExceptionHandler<ApiExceptionHandler>();

        builder.Services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = description => description.RelativePath?.StartsWith(V1[1..], StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "KernelMemoryPlus REST API";
                document.Info.Version = "v1";
                document.Info.Description =
                    "Long-term memory for LLM agents: store, change, list and recall memories, link them, and follow the change feed. " +
                    "Errors are RFC 9457 problem details; invalid input is answered with 400 naming the field in errors.";
                return Task.CompletedTask;
            });
        });

        return builder;
    }

    /// <summary>
    /// Maps /api/v1, the OpenAPI document at /openapi/v1.json and the API reference page at /api/reference, and
    /// adds the /api error handling and body limit to the pipeline.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>The application.</returns>
    public static WebApplication MapRestApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(Root), api =>
        {
            api.UseExceptionHandler();
            api.UseStatusCodePages(context => ApiProblems.WriteAsync(context.HttpContext, new ProblemDetails { Status = context.HttpContext.Response.StatusCode }));
            api.UseMiddleware<RequestBodyLimitMiddleware>();
        });

        app.MapOpenApi();

        // The reference page's script is served from the package (no CDN); fonts and telemetry would reach the
        // internet, so they are off and the page works offline.
        app.MapScalarApiReference(ReferencePath, o => o
            .WithTitle("KernelMemoryPlus REST API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts()
            .DisableTelemetry());

        var v1 = app.MapGroup(V1);
        v1.MapMemories();
        v1.MapRecall();
        v1.MapLinks();
        v1.MapSharing();
        v1.MapChanges();
        v1.MapAdmin();
        return app;
    }
}
