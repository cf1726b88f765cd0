namespace KernelMemoryPlus.Bench.Scale;

/// <summary>
/// Seeded synthetic embeddings: unit vectors scattered around random unit cluster centres, like the embeddings of a
/// corpus with many topics. A vector is normalize(centre + σ·g) with g a Gaussian vector of expected length 1, so
/// members of one cluster have cosine about 1 / (1 + σ²) to each other — a dense cluster where the top 10 are close
/// calls, the hard case for an approximate index.
/// </summary>
internal sealed class ClusteredVectors
{
    private readonly float[][] _centres;
    private readonly int _dimensions;
    private readonly float _spread;

    /// <summary>Creates the cluster centres.</summary>
    /// <param name="dimensions">Vector dimensions.</param>
    /// <param name="clusters">Number of clusters.</param>
    /// <param name="spread">σ, the noise length relative to the centre.</param>
    /// <param name="seed">Seed of the centres.</param>
    public ClusteredVectors(int dimensions, int clusters, float spread, int seed)
    {
        _dimensions = dimensions;
        _spread = spread;
        var random = new Random(seed);
        _centres = new float[clusters][];
        for (int c = 0; c < clusters; c++)
        {
            var centre = new float[dimensions];
            Gaussian(random, centre, 1f);
            Normalize(centre);
            _centres[c] = centre;
        }
    }

    /// <summary>Number of clusters.</summary>
    public int Clusters => _centres.Length;

    /// <summary>Writes the next vector of a stream into <paramref name="destination"/> (cluster chosen at random).</summary>
    /// <param name="random">The stream's generator.</param>
    /// <param name="destination">Where to write; length = dimensions.</param>
    public void Next(Random random, Span<float> destination)
    {
        var centre = _centres[random.Next(_centres.Length)];
        Gaussian(random, destination, _spread / MathF.Sqrt(_dimensions));
        for (int i = 0; i < _dimensions; i++)
        {
            destination[i] += centre[i];
        }

        Normalize(destination);
    }

    private static void Gaussian(Random random, Span<float> destination, float sigma)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            // Box–Muller: two independent normals per pair of uniforms.
            double u1 = 1.0 - random.NextDouble();
            double u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * sigma;
            destination[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
            }
        }
    }

    private static void Normalize(Span<float> vector)
    {
        float norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}
