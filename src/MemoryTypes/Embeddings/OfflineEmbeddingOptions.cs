namespace KernelMemoryPlus.Embeddings;

/// <summary>Settings of the <see cref="OfflineEmbeddingGenerator"/>.</summary>
public sealed class OfflineEmbeddingOptions
{
    /// <summary>The default <see cref="Dimensions"/>: 384, the size of common small sentence-embedding models.</summary>
    public const int DefaultDimensions = 384;

    /// <summary>
    /// The length of every vector. Default <see cref="DefaultDimensions"/> (384). Between 16 and 65,536. Fewer
    /// dimensions mean more hash collisions (lower precision); more cost storage and scan time.
    /// </summary>
    public int Dimensions { get; set; } = DefaultDimensions;

    /// <summary>
    /// Salt mixed into every feature hash. Default 0. Vectors made with different seeds are unrelated to each other,
    /// so the model id changes with it (<c>kmp-offline-v1+seed=…</c>) and stores notice the switch.
    /// </summary>
    public long Seed { get; set; }
}
