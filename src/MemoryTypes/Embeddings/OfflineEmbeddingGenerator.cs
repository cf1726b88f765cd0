using KernelMemoryPlus.Embeddings.Internal;
using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Embeddings;

/// <summary>
/// The zero-setup embedding model: no download, no network, no GPU. It hashes stemmed words, word pairs and
/// character n-grams into a fixed-size unit vector, so texts that share words, inflections or near-miss spellings
/// land close together. It knows no synonyms ("car" and "automobile" stay apart); configure a neural model such as
/// Ollama's for that.
/// </summary>
/// <remarks>
/// Deterministic across processes, machines and runs (stable hashes, no randomness), so vectors stored by one
/// process match queries from another. Thread-safe. Tens of thousands of short texts per second on one core.
/// </remarks>
public sealed class OfflineEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    /// <summary>The model id with the default seed; it names the feature set, so any change to it gets a new id.</summary>
    public const string DefaultModelId = "kmp-offline-v1";

    /// <summary>The provider name reported in <see cref="EmbeddingGeneratorMetadata"/>.</summary>
    public const string ProviderName = "kernelmemoryplus-offline";

    private readonly OfflineFeaturizer _featurizer;
    private readonly EmbeddingGeneratorMetadata _metadata;

    /// <summary>Creates the generator.</summary>
    /// <param name="options">Settings; null uses the defaults (384 dimensions, seed 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">The dimensions are outside 16..65,536.</exception>
    public OfflineEmbeddingGenerator(OfflineEmbeddingOptions? options = null)
    {
        options ??= new OfflineEmbeddingOptions();
        if (options.Dimensions is < 16 or > 65_536)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options),
                options.Dimensions,
                $"OfflineEmbeddingOptions.Dimensions must be between 16 and 65536; got {options.Dimensions}.");
        }

        Dimensions = options.Dimensions;
        ModelId = options.Seed == 0 ? DefaultModelId : FormattableString.Invariant($"{DefaultModelId}+seed={options.Seed}");
        _featurizer = new OfflineFeaturizer(Dimensions, options.Seed);
        _metadata = new EmbeddingGeneratorMetadata(ProviderName, providerUri: null, defaultModelId: ModelId, defaultModelDimensions: Dimensions);
    }

    /// <summary>The model id stamped on every embedding: <see cref="DefaultModelId"/>, plus the seed if not 0.</summary>
    public string ModelId { get; }

    /// <summary>The length of every vector.</summary>
    public int Dimensions { get; }

    /// <summary>Embeds one text synchronously; the same text always gives the same unit vector.</summary>
    /// <param name="text">Any text; null, empty or whitespace gives a fixed unit vector.</param>
    /// <returns>A new array of <see cref="Dimensions"/> floats with L2 norm 1.</returns>
    public float[] Embed(ReadOnlySpan<char> text)
    {
        var vector = new float[Dimensions];
        _featurizer.Embed(text, vector);
        return vector;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The options ask for another model id or another number of dimensions.</exception>
    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        cancellationToken.ThrowIfCancellationRequested();
        if (options?.Dimensions is int requested && requested != Dimensions)
        {
            throw new ArgumentException(
                $"The offline embedding model produces {Dimensions} dimensions but {requested} were requested; set OfflineEmbeddingOptions.Dimensions instead.",
                nameof(options));
        }

        if (!string.IsNullOrEmpty(options?.ModelId) && !string.Equals(options.ModelId, ModelId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"This generator is the offline model '{ModelId}'; it cannot produce embeddings of model '{options.ModelId}'.",
                nameof(options));
        }

        GeneratedEmbeddings<Embedding<float>> result;
        if (values is IList<string> list)
        {
            result = new GeneratedEmbeddings<Embedding<float>>(list.Count);
            for (int i = 0; i < list.Count; i++)
            {
                result.Add(Create(list[i], i, cancellationToken));
            }
        }
        else
        {
            result = [];
            foreach (var value in values)
            {
                result.Add(Create(value, result.Count, cancellationToken));
            }
        }

        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            return _metadata;
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>Nothing to release; present because the interface is disposable.</summary>
    public void Dispose()
    {
    }

    private Embedding<float> Create(string? value, int index, CancellationToken cancellationToken)
    {
        // Large batches can take a while; honour cancellation between texts without a check per text.
        if ((index & 255) == 255)
        {
            cancellationToken.ThrowIfCancellationRequested();
        }

        return new Embedding<float>(Embed(value)) { ModelId = ModelId };
    }
}
