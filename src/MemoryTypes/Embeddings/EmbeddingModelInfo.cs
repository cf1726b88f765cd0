using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Embeddings;

/// <summary>
/// The identity of an embedding model's vector space: which model, and how long its vectors are. Stores record it
/// next to their vectors so a later change of model is detected instead of silently producing wrong matches.
/// </summary>
public sealed record EmbeddingModelInfo
{
    /// <summary>The text embedded by <see cref="DescribeAsync"/> when a generator does not report its dimensions.</summary>
    internal const string ProbeText = "dimension probe";

    /// <summary>Creates the description.</summary>
    /// <param name="modelId">The model id, e.g. <c>kmp-offline-v1</c> or <c>all-minilm</c>.</param>
    /// <param name="dimensions">The vector length; positive.</param>
    /// <exception cref="ArgumentException"><paramref name="modelId"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimensions"/> is not positive.</exception>
    public EmbeddingModelInfo(string modelId, int dimensions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        ModelId = modelId;
        Dimensions = dimensions;
    }

    /// <summary>The model id.</summary>
    public string ModelId { get; }

    /// <summary>The number of dimensions of every vector the model produces.</summary>
    public int Dimensions { get; }

    /// <summary>
    /// True when vectors of <paramref name="other"/> can be compared with vectors of this model: same dimensions and
    /// same model id, ignoring case and an Ollama-style <c>:latest</c> tag (<c>all-minilm</c> and
    /// <c>all-minilm:latest</c> are the same weights).
    /// </summary>
    /// <param name="other">The other model.</param>
    public bool IsCompatibleWith(EmbeddingModelInfo other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Dimensions == other.Dimensions
            && string.Equals(CanonicalModelId(ModelId), CanonicalModelId(other.ModelId), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Describes a generator: its model id and dimensions.</summary>
    /// <remarks>
    /// Both come from the generator's <see cref="EmbeddingGeneratorMetadata"/> when it reports them. A generator that
    /// does not know its dimensions up front (Ollama without configured dimensions) gets one short probe text
    /// embedded to learn them; a missing model id is then taken from the probe's embedding, else the provider name.
    /// </remarks>
    /// <param name="generator">The generator, possibly wrapped (caching, logging): metadata passes through wrappers.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The model's identity.</returns>
    /// <exception cref="InvalidOperationException">The probe returned no vector, or an empty one.</exception>
    public static async Task<EmbeddingModelInfo> DescribeAsync(
        IEmbeddingGenerator<string, Embedding<float>> generator,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        string? modelId = metadata?.DefaultModelId;
        int? dimensions = metadata?.DefaultModelDimensions is > 0 ? metadata.DefaultModelDimensions : null;
        if (dimensions is null || string.IsNullOrWhiteSpace(modelId))
        {
            var embeddings = await generator.GenerateAsync([ProbeText], options: null, cancellationToken);
            var probe = embeddings.Count == 1 ? embeddings[0] : null;
            if (probe is null || probe.Vector.Length == 0)
            {
                throw new InvalidOperationException(
                    $"The embedding generator '{modelId ?? metadata?.ProviderName ?? generator.GetType().Name}' returned no vector for a probe text, so its dimensions cannot be learned.");
            }

            dimensions ??= probe.Vector.Length;
            if (string.IsNullOrWhiteSpace(modelId))
            {
                modelId = probe.ModelId;
            }
        }

        if (string.IsNullOrWhiteSpace(modelId))
        {
            // No id anywhere: the provider (or type) name still tells two unrelated generators apart.
            modelId = !string.IsNullOrWhiteSpace(metadata?.ProviderName) ? metadata.ProviderName : generator.GetType().FullName ?? generator.GetType().Name;
        }

        return new EmbeddingModelInfo(modelId, dimensions.Value);
    }

    /// <summary>The model and its dimensions, as used in error messages: <c>'all-minilm' (384 dimensions)</c>.</summary>
    public override string ToString() => FormattableString.Invariant($"'{ModelId}' ({Dimensions} dimensions)");

    private static string CanonicalModelId(string modelId)
    {
        var id = modelId.Trim();
        return id.EndsWith(":latest", StringComparison.OrdinalIgnoreCase) ? id[..^":latest".Length] : id;
    }
}
