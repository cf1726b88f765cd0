using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Embeddings;

/// <summary>
/// Caches embeddings so the same text is embedded by a remote model only once. Built on
/// <see cref="DistributedCachingEmbeddingGenerator{TInput, TEmbedding}"/>: the key is a hash of the text, the call
/// options and this cache's partition (format version, provider, model id, dimensions), so entries of one model are
/// never served for another, even in a store shared by several applications.
/// </summary>
/// <remarks>
/// The default store is an in-process <see cref="MemoryDistributedCache"/> bounded by
/// <see cref="EmbeddingCacheOptions.SizeLimitBytes"/>; pass any <see cref="IDistributedCache"/> (e.g. Redis) to share
/// it across processes and restarts. Not worth it for <see cref="OfflineEmbeddingGenerator"/>, which computes a
/// vector faster than the cache can deserialise one.
/// </remarks>
public static class EmbeddingCache
{
    /// <summary>Bumped when the meaning of cached entries changes, so old entries in a shared store are ignored.</summary>
    private const string PartitionVersion = "kmp-embedding-cache-v1";

    /// <summary>Wraps <paramref name="innerGenerator"/> in a cache.</summary>
    /// <param name="innerGenerator">The generator whose results are cached; disposed with the returned generator.</param>
    /// <param name="storage">Where entries live; null creates a bounded in-process store.</param>
    /// <param name="options">Size limit of the default store and model-id override; null uses the defaults.</param>
    /// <returns>The caching generator; it reports the inner generator's metadata.</returns>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(
        IEmbeddingGenerator<string, Embedding<float>> innerGenerator,
        IDistributedCache? storage = null,
        EmbeddingCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(innerGenerator);
        options ??= new EmbeddingCacheOptions();
        storage ??= CreateDefaultStore(options);
        var metadata = innerGenerator.GetService<EmbeddingGeneratorMetadata>();
        string modelId = options.ModelId
            ?? metadata?.DefaultModelId
            ?? metadata?.ProviderName
            ?? innerGenerator.GetType().FullName
            ?? innerGenerator.GetType().Name;
        string dimensions = metadata?.DefaultModelDimensions is int d ? d.ToString(CultureInfo.InvariantCulture) : "";

        return new DistributedCachingEmbeddingGenerator<string, Embedding<float>>(innerGenerator, storage)
        {
            CacheKeyAdditionalValues = [PartitionVersion, metadata?.ProviderName ?? "", modelId, dimensions],
        };
    }

    /// <summary>Adds the cache (see <see cref="Create"/>) as the next stage of an embedding pipeline.</summary>
    /// <param name="builder">The pipeline builder.</param>
    /// <param name="storage">Where entries live; null creates a bounded in-process store (not one from DI).</param>
    /// <param name="options">Size limit of the default store and model-id override; null uses the defaults.</param>
    /// <returns>The builder, for chaining.</returns>
    public static EmbeddingGeneratorBuilder<string, Embedding<float>> UseKernelMemoryPlusEmbeddingCache(
        this EmbeddingGeneratorBuilder<string, Embedding<float>> builder,
        IDistributedCache? storage = null,
        EmbeddingCacheOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use(inner => Create(inner, storage, options));
    }

    /// <summary>Creates the default store: an in-process cache bounded by <see cref="EmbeddingCacheOptions.SizeLimitBytes"/>.</summary>
    /// <param name="options">The size limit; null uses the default (64 MiB).</param>
    /// <returns>A new, empty store.</returns>
    /// <exception cref="ArgumentException">The size limit is not positive.</exception>
    public static IDistributedCache CreateDefaultStore(EmbeddingCacheOptions? options = null)
    {
        options ??= new EmbeddingCacheOptions();
        if (options.SizeLimitBytes <= 0)
        {
            throw new ArgumentException(
                $"EmbeddingCacheOptions.SizeLimitBytes must be positive; got {options.SizeLimitBytes}.",
                nameof(options));
        }

        // MemoryDistributedCache charges each entry its byte length against SizeLimit.
        return new MemoryDistributedCache(Options.Create(new MemoryDistributedCacheOptions
        {
            SizeLimit = options.SizeLimitBytes,
            CompactionPercentage = 0.25,
        }));
    }
}
