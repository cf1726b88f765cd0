using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Server.Hosting;
using KernelMemoryPlus.Server.Mcp.Internal;
using KernelMemoryPlus.Storage;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Mcp;

/// <summary>MCP over stdin/stdout.</summary>
public static class McpStdioHost
{
    /// <summary>Runs the stdio server until stdin closes.</summary>
    /// <param name="args">Command-line arguments without --stdio.</param>
    /// <returns>The exit code.</returns>
    /// <remarks>
    /// stdout carries the protocol only: every log goes to stderr. Settings, the data folder (KMP_DATA_DIR) and the
    /// engine are those of the web host.
    /// </remarks>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddSimpleConsole(o => o.ColorBehavior = LoggerColorBehavior.Disabled);
        AddEngine(builder);
        builder.Services.AddKernelMemoryPlusMcp(builder.Configuration, isHttp: false).WithStdioServerTransport();

        using var host = builder.Build();
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KernelMemoryPlus.Server");
        try
        {
            var settings = host.Services.GetRequiredService<ServerSettings>();
            _ = host.Services.GetRequiredService<IOptions<McpDoorOptions>>().Value;
            await host.Services.GetRequiredService<MemoryEngine>().InitializeAsync();
            Log.StdioReady(logger, settings.DataDirectory);
        }
        catch (Exception ex) when (ex is StoreSchemaException or EmbeddingMismatchException or EmbeddingServiceException or IOException or UnauthorizedAccessException or OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"KernelMemoryPlus cannot start: {ex.Message}");
            return 1;
        }

        await host.RunAsync();
        return 0;
    }

    /// <summary>
    /// The engine registration of <see cref="ServerHostingExtensions.AddKernelMemoryPlusServer"/>, for a generic host:
    /// the same settings section, data folder rule (KMP_DATA_DIR wins), validation, store and embedder.
    /// </summary>
    private static void AddEngine(HostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ServerSettings>()
            .Bind(builder.Configuration.GetSection(ServerSettings.SectionName))
            .PostConfigure(settings =>
            {
                if (Environment.GetEnvironmentVariable(ServerHostingExtensions.DataDirectoryVariable) is { Length: > 0 } fromEnvironment)
                {
                    settings.DataDirectory = fromEnvironment;
                }

                settings.DataDirectory = Path.GetFullPath(settings.DataDirectory);
            })
            .Validate(s => s.Embeddings.Provider.Trim().ToLowerInvariant() is "offline" or "ollama", $"Setting '{ServerSettings.SectionName}:Embeddings:Provider' must be 'offline' or 'ollama'.")
            .Validate(s => !string.IsNullOrWhiteSpace(s.DatabaseFile) && s.DatabaseFile.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, $"Setting '{ServerSettings.SectionName}:DatabaseFile' must be a plain file name.")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ServerSettings>>().Value);

        builder.Services.AddKernelMemoryPlus(o => builder.Configuration.GetSection($"{ServerSettings.SectionName}:Engine").Bind(o))
            .UseVectorStore(sp =>
            {
                var settings = sp.GetRequiredService<ServerSettings>();
                Directory.CreateDirectory(settings.DataDirectory);
                return new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = Path.Combine(settings.DataDirectory, settings.DatabaseFile) });
            })
            .UseEmbeddingGenerator(sp =>
            {
                var embeddings = sp.GetRequiredService<ServerSettings>().Embeddings;
                return embeddings.Provider.Trim().ToLowerInvariant() switch
                {
                    "ollama" => EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions
                    {
                        Endpoint = embeddings.OllamaEndpoint,
                        Model = embeddings.OllamaModel,
                    })),
                    _ => new OfflineEmbeddingGenerator(),
                };
            });
    }
}
