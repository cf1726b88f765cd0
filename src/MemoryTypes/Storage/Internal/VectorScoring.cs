using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Internal;

/// <summary>Distance functions and query-vector conversion shared by the project's connectors.</summary>
internal static class VectorScoring
{
    /// <summary>The distance functions the connectors support.</summary>
    public static readonly IReadOnlySet<string> Supported = new HashSet<string>(StringComparer.Ordinal)
    {
        DistanceFunction.CosineSimilarity,
        DistanceFunction.CosineDistance,
        DistanceFunction.DotProductSimilarity,
        DistanceFunction.NegativeDotProductSimilarity,
        DistanceFunction.EuclideanDistance,
        DistanceFunction.EuclideanSquaredDistance,
        DistanceFunction.ManhattanDistance,
    };

    /// <summary>True when a larger score means a closer match for this function.</summary>
    public static bool HigherIsBetter(string distanceFunction) =>
        distanceFunction is DistanceFunction.CosineSimilarity or DistanceFunction.DotProductSimilarity;

    /// <summary>The score of <paramref name="candidate"/> against <paramref name="query"/> under the function.</summary>
    public static double Score(string distanceFunction, ReadOnlySpan<float> query, ReadOnlySpan<float> candidate) => distanceFunction switch
    {
        DistanceFunction.CosineSimilarity => TensorPrimitives.CosineSimilarity(query, candidate),
        DistanceFunction.CosineDistance => 1d - TensorPrimitives.CosineSimilarity(query, candidate),
        DistanceFunction.DotProductSimilarity => TensorPrimitives.Dot(query, candidate),
        DistanceFunction.NegativeDotProductSimilarity => -TensorPrimitives.Dot(query, candidate),
        DistanceFunction.EuclideanDistance => TensorPrimitives.Distance(query, candidate),
        DistanceFunction.EuclideanSquaredDistance => Square(TensorPrimitives.Distance(query, candidate)),
        DistanceFunction.ManhattanDistance => Manhattan(query, candidate),
        _ => throw new NotSupportedException($"The distance function '{distanceFunction}' is not supported; use one of: {string.Join(", ", Supported)}."),
    };

    /// <summary>True when <paramref name="score"/> passes the threshold in the direction of the function.</summary>
    public static bool PassesThreshold(string distanceFunction, double score, double? threshold) =>
        threshold is not double t || (HigherIsBetter(distanceFunction) ? score >= t : score <= t);

    /// <summary>
    /// Turns a search input into a query vector: vectors are used as they are; anything else goes through the
    /// property's embedding generator.
    /// </summary>
    public static async ValueTask<ReadOnlyMemory<float>> ToQueryVectorAsync<TInput>(TInput input, VectorPropertyModel property, CancellationToken cancellationToken)
        where TInput : notnull
    {
        ReadOnlyMemory<float> vector;
        switch (input)
        {
            case ReadOnlyMemory<float> m:
                vector = m;
                break;
            case float[] a:
                vector = a;
                break;
            case Embedding<float> e:
                vector = e.Vector;
                break;
            case Memory<float> m:
                vector = m;
                break;
            default:
                vector = await GenerateAsync(property, input, cancellationToken);
                break;
        }

        if (vector.Length != property.Dimensions)
        {
            throw new VectorStoreException($"The query vector has {vector.Length} dimensions but the property '{property.Name}' holds {property.Dimensions}; they must match (was the query embedded with another model?).");
        }

        return vector;
    }

    /// <summary>Embeds one value with the property's generator.</summary>
    public static async ValueTask<ReadOnlyMemory<float>> GenerateAsync<TInput>(VectorPropertyModel property, TInput input, CancellationToken cancellationToken)
    {
        var vectors = await GenerateManyAsync(property, [input], cancellationToken);
        return vectors[0];
    }

    /// <summary>Embeds several values with the property's generator, in one call.</summary>
    public static async ValueTask<IReadOnlyList<ReadOnlyMemory<float>>> GenerateManyAsync<TInput>(VectorPropertyModel property, IReadOnlyList<TInput> inputs, CancellationToken cancellationToken)
    {
        switch (property.EmbeddingGenerator)
        {
            case IEmbeddingGenerator<TInput, Embedding<float>> typed:
                var generated = await typed.GenerateAsync(inputs, cancellationToken: cancellationToken);
                return generated.Select(e => e.Vector).ToList();
            case IEmbeddingGenerator<string, Embedding<float>> strings when inputs.All(i => i is string):
                var fromStrings = await strings.GenerateAsync(inputs.Cast<string>(), cancellationToken: cancellationToken);
                return fromStrings.Select(e => e.Vector).ToList();
            case null:
                throw new NotSupportedException($"Searching or storing '{property.Name}' with a value of type '{typeof(TInput).Name}' needs an embedding generator; none is configured. Pass a vector (ReadOnlyMemory<float>) or configure one.");
            default:
                throw new NotSupportedException($"The embedding generator of '{property.Name}' does not accept values of type '{typeof(TInput).Name}'.");
        }
    }

    private static double Square(float x) => (double)x * x;

    private static double Manhattan(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum;
    }
}
