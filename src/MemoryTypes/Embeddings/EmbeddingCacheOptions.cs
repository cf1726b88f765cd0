namespace KernelMemoryPlus.Embeddings;

/// <summary>Settings of the embedding cache (<see cref="EmbeddingCache"/>).</summary>
public sealed class EmbeddingCacheOptions
{
    /// <summary>The default <see cref="SizeLimitBytes"/>: 64 MiB.</summary>
    public const long DefaultSizeLimitBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Upper bound of the default in-process store, in bytes of cached JSON. Default <see cref="DefaultSizeLimitBytes"/>
    /// (64 MiB), about 10,000 vectors of 384 dimensions (one takes roughly 6 KB). When full, the least recently used
    /// quarter of the entries is dropped. Ignored when a store is passed in: size that store itself (e.g. Redis maxmemory).
    /// </summary>
    public long SizeLimitBytes { get; set; } = DefaultSizeLimitBytes;

    /// <summary>
    /// The model id the cache keys are partitioned by. Default null: the wrapped generator's
    /// <see cref="Microsoft.Extensions.AI.EmbeddingGeneratorMetadata.DefaultModelId"/> (then its provider name, then its type).
    /// Set it for generators that do not report a model id.
    /// </summary>
    public string? ModelId { get; set; }
}
