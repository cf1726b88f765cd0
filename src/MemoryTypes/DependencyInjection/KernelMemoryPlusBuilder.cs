using KernelMemoryPlus;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Storage.InMemory;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.VectorData;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Chooses the store and the embedding generator of KernelMemoryPlus. Both are registered as keyed services under
/// <see cref="ServiceKey"/>, so they never clash with a <see cref="VectorStore"/> or generator the application
/// registers for its own use.
/// </summary>
public sealed class KernelMemoryPlusBuilder
{
    /// <summary>The DI key of the engine's store and embedding generator.</summary>
    public const string ServiceKey = "KernelMemoryPlus";

    /// <summary>The default SQLite file, relative to the working directory.</summary>
    public const string DefaultDatabasePath = "data/memory.db";

    internal KernelMemoryPlusBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Keeps memories in an embedded SQLite database file (the default: <see cref="DefaultDatabasePath"/>).</summary>
    /// <param name="path">The database file; its folder is created if missing.</param>
    /// <param name="configure">Further SQLite settings.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseSqlite(string path, Action<SqliteVectorStoreOptions>? configure = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return UseVectorStore(_ =>
        {
            var full = Path.GetFullPath(path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            var options = new SqliteVectorStoreOptions { DataSource = full };
            configure?.Invoke(options);
            return new SqliteVectorStore(options);
        });
    }

    /// <summary>Keeps memories in process memory only (tests, demos, caches).</summary>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseInMemory() => UseVectorStore(_ => new InMemoryVectorStore());

    /// <summary>Keeps memories in any Microsoft.Extensions.VectorData store.</summary>
    /// <param name="factory">Creates the store.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseVectorStore(Func<IServiceProvider, VectorStore> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<VectorStore>(ServiceKey);
        Services.AddKeyedSingleton<VectorStore>(ServiceKey, (sp, _) => factory(sp));
        return this;
    }

    /// <summary>Uses the built-in offline embedder (the default: no model, no network).</summary>
    /// <param name="configure">Its settings.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseOfflineEmbeddings(Action<OfflineEmbeddingOptions>? configure = null)
    {
        var options = new OfflineEmbeddingOptions();
        configure?.Invoke(options);
        return UseEmbeddingGenerator(_ => new OfflineEmbeddingGenerator(options));
    }

    /// <summary>Uses an Ollama server for embeddings, with an embedding cache keyed by model and text hash.</summary>
    /// <param name="configure">Endpoint, model and timeout.</param>
    /// <param name="cache">Where cached embeddings live; null keeps a bounded in-process cache.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseOllamaEmbeddings(Action<OllamaEmbeddingOptions>? configure = null, IDistributedCache? cache = null)
    {
        var options = new OllamaEmbeddingOptions();
        configure?.Invoke(options);
        return UseEmbeddingGenerator(_ => EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(options), cache));
    }

    /// <summary>Uses any embedding generator.</summary>
    /// <param name="factory">Creates the generator.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseEmbeddingGenerator(Func<IServiceProvider, IEmbeddingGenerator<string, Embedding<float>>> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAllKeyed<IEmbeddingGenerator<string, Embedding<float>>>(ServiceKey);
        Services.AddKeyedSingleton(ServiceKey, (sp, _) => factory(sp));
        return this;
    }

    /// <summary>
    /// Configures encryption at rest (on by default: with a SQLite store and no key configured, a key file is generated
    /// beside the database). For example <c>o.Key = Environment.GetEnvironmentVariable("KMP_ENCRYPTION_KEY")</c>,
    /// <c>o.KeyFile = "/run/secrets/kmp.keys.json"</c>, or <c>o.Enabled = false</c>.
    /// </summary>
    /// <param name="configure">Changes the <see cref="EncryptionOptions"/>.</param>
    /// <returns>The builder.</returns>
    public KernelMemoryPlusBuilder UseEncryption(Action<EncryptionOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure<KernelMemoryPlusOptions>(o => configure(o.Encryption));
        return this;
    }

    internal void AddDefaults()
    {
        Services.TryAddKeyedSingleton<VectorStore>(ServiceKey, (_, _) =>
        {
            var full = Path.GetFullPath(DefaultDatabasePath);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            return new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = full });
        });
        Services.TryAddKeyedSingleton<IEmbeddingGenerator<string, Embedding<float>>>(ServiceKey, (_, _) => new OfflineEmbeddingGenerator());
    }
}
