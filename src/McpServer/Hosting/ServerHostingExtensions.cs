using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Storage;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Hosting;

/// <summary>Wires the memory engine into the web host from configuration.</summary>
public static partial class ServerHostingExtensions
{
    /// <summary>Environment variable naming the data folder.</summary>
    public const string DataDirectoryVariable = "KMP_DATA_DIR";

    /// <summary>Reads <see cref="ServerSettings"/>, sets the default address, and registers the engine.</summary>
    /// <param name="builder">The web application builder.</param>
    /// <returns>The builder.</returns>
    public static WebApplicationBuilder AddKernelMemoryPlusServer(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(ServerSettings.DefaultUrl);
        }

        builder.AddKernelMemoryPlusEngine();
        builder.Services.AddHealthChecks().AddCheck<Health.MemoryStoreHealthCheck>("memory-store");
        return builder;
    }

    /// <summary>
    /// Registers the engine from the "KernelMemoryPlus" settings for any host (the web server and the stdio MCP
    /// server): the data folder (KMP_DATA_DIR wins), the SQLite store in it, and the configured embedder.
    /// </summary>
    /// <param name="builder">The host builder.</param>
    /// <returns>The builder.</returns>
    public static IHostApplicationBuilder AddKernelMemoryPlusEngine(this IHostApplicationBuilder builder)
    {
        // Settings are resolved when the container builds (not now), so hosts and tests that add configuration
        // late (WebApplicationFactory) are honoured.
        builder.Services.AddOptions<ServerSettings>()
            .Bind(builder.Configuration.GetSection(ServerSettings.SectionName))
            .PostConfigure(settings =>
            {
                if (Environment.GetEnvironmentVariable(DataDirectoryVariable) is { Length: > 0 } fromEnvironment)
                {
                    settings.DataDirectory = fromEnvironment;
                }

                settings.DataDirectory = Path.GetFullPath(settings.DataDirectory);
                if (Environment.GetEnvironmentVariable(EncryptionSettings.KeyVariable) is { Length: > 0 } key)
                {
                    settings.Encryption.Key = key;
                }
                else if (string.IsNullOrWhiteSpace(settings.Encryption.Key))
                {
                    settings.Encryption.Key = null;
                }

                if (!string.IsNullOrWhiteSpace(settings.Encryption.KeyFile))
                {
                    settings.Encryption.KeyFile = Path.GetFullPath(settings.Encryption.KeyFile, settings.DataDirectory);
                }
                else
                {
                    settings.Encryption.KeyFile = null;
                }
            })
            .Validate(s => s.Embeddings.Provider.Trim().ToLowerInvariant() is "offline" or "ollama", $"Setting '{ServerSettings.SectionName}:Embeddings:Provider' must be 'offline' or 'ollama'.")
            .Validate(s => !string.IsNullOrWhiteSpace(s.DatabaseFile) && s.DatabaseFile.IndexOfAny(Path.GetInvalidFileNameChars()) < 0, $"Setting '{ServerSettings.SectionName}:DatabaseFile' must be a plain file name.")
            .Validate(s => s.Encryption.Key is null || MemoryKeyRing.IsValidKey(s.Encryption.Key), $"Setting '{ServerSettings.SectionName}:Encryption:Key' (or {EncryptionSettings.KeyVariable}) must be base64 of exactly 32 bytes, for example from 'openssl rand -base64 32'.")
            .Validate(s => s.Encryption.PreviousKeys.All(MemoryKeyRing.IsValidKey), $"Every entry of '{ServerSettings.SectionName}:Encryption:PreviousKeys' must be base64 of exactly 32 bytes.")
            .Validate(s => s.Encryption.Key is null || s.Encryption.KeyFile is null, $"Settings '{ServerSettings.SectionName}:Encryption:Key' (or {EncryptionSettings.KeyVariable}) and ':KeyFile' are both set; set one of them.")
            .Validate(s => s.Encryption.PreviousKeys.Count == 0 || s.Encryption.Key is not null, $"Setting '{ServerSettings.SectionName}:Encryption:PreviousKeys' needs ':Key' (a key file keeps its own older keys).")
            .ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<ServerSettings>>().Value);

        // Encryption at rest: the server's settings become the engine's (the engine logs where its keys are).
        builder.Services.AddOptions<KernelMemoryPlusOptions>().Configure<IOptions<ServerSettings>>((o, server) => ApplyEncryption(server.Value.Encryption, o.Encryption));

        // Large namespaces save their approximate vector index beside the database, so a restart does not rebuild it.
        builder.Services.AddOptions<KernelMemoryPlusOptions>().PostConfigure<IOptions<ServerSettings>>((o, server) => o.VectorIndexDirectory ??= Path.Combine(server.Value.DataDirectory, "index"));

        var configuration = builder.Configuration;
        builder.Services.AddKernelMemoryPlus(o =>
            {
                // Every door sets the authenticated principal; a call without one is a bug, refused by the engine
                // (only tests that drive the engine beside the doors turn this off).
                o.RequirePrincipal = true;
                configuration.GetSection($"{ServerSettings.SectionName}:Engine").Bind(o);
            })
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
        return builder;
    }

    /// <summary>Copies the server's encryption settings into the engine's.</summary>
    /// <param name="settings">The server's settings (paths already resolved against the data folder).</param>
    /// <param name="options">The engine's encryption options.</param>
    public static void ApplyEncryption(EncryptionSettings settings, EncryptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(options);
        options.Enabled = settings.Enabled;
        options.Key = settings.Key;
        options.PreviousKeys = [.. settings.PreviousKeys];
        options.KeyFile = settings.KeyFile;
        options.KeyRingRefreshInterval = settings.KeyRingRefreshInterval;
    }

    /// <summary>
    /// Opens the store before the server listens, so a corrupt database, a database from a newer version or an
    /// embedding-model mismatch stops start-up with a clear message instead of failing requests later.
    /// </summary>
    /// <param name="app">The application.</param>
    /// <returns>True when the store opened.</returns>
    public static Task<bool> OpenMemoryStoreAsync(this WebApplication app) => OpenMemoryStoreAsync((IHost)app);

    /// <summary>Opens the store of any host before it runs (see the web overload); false with a message on stderr when it cannot.</summary>
    /// <param name="host">The host.</param>
    /// <returns>True when the store opened.</returns>
    public static async Task<bool> OpenMemoryStoreAsync(this IHost host)
    {
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KernelMemoryPlus.Server");
        try
        {
            var settings = host.Services.GetRequiredService<ServerSettings>();
            var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var engine = host.Services.GetRequiredService<MemoryEngine>();
            await engine.InitializeAsync(stopping);

            // A wrong or incomplete key ring stops start-up here, rather than failing the requests of every namespace.
            var sample = await MemoryEncryption.VerifyKeysAsync(engine, cancellationToken: stopping);
            if (sample.PlaintextRows > 0 && settings.Encryption.Enabled)
            {
                LogPlaintextRows(logger);
            }

            LogOpened(logger, settings.DataDirectory);
            return true;
        }
        catch (Exception ex) when (ex is StoreSchemaException or EmbeddingMismatchException or EmbeddingServiceException or MemoryEncryptionException or IOException or UnauthorizedAccessException or OptionsValidationException)
        {
            LogOpenFailed(logger, ex.Message);
            await Console.Error.WriteLineAsync($"KernelMemoryPlus cannot start: {ex.Message}");
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Memory store ready in {DataDirectory}")]
    private static partial void LogOpened(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The store holds memories written before encryption at rest was on (in plaintext); they are read as they are. Encrypt them with: dotnet run --project src/McpServer -- encryption rotate")]
    private static partial void LogPlaintextRows(ILogger logger);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The memory store could not be opened: {Reason}")]
    private static partial void LogOpenFailed(ILogger logger, string reason);
}
