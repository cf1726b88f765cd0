using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class FlatVectorIndexTests
{
    [Fact]
    public void DotInt8_MatchesScalarArithmetic()
    {
        var random = new Random(7);
        foreach (int length in new[] { 1, 15, 16, 31, 32, 33, 384, 1000 })
        {
            var a = new sbyte[length];
            var b = new sbyte[length];
            for (int i = 0; i < length; i++)
            {
                a[i] = (sbyte)random.Next(-127, 128);
                b[i] = (sbyte)random.Next(-127, 128);
            }

            int expected = 0;
            for (int i = 0; i < length; i++)
            {
                expected += a[i] * b[i];
            }

            Assert.Equal(expected, FlatVectorIndex.DotInt8(a, b));
        }
    }

    [Fact]
    public void SearchQuantized_OnClusteredVectors_FindsTheExactTopTen()
    {
        const int Dimensions = 384;
        var random = new Random(11);
        var index = new FlatVectorIndex(Dimensions);
        var centers = Enumerable.Range(0, 20).Select(_ => RandomVector(random, Dimensions)).ToArray();
        for (int i = 0; i < 6000; i++)
        {
            var center = centers[i % centers.Length];
            var noise = RandomVector(random, Dimensions);
            index.Add(center.Zip(noise, (c, n) => c + (0.4f * n)).ToArray());
        }

        int found = 0, asked = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = FlatVectorIndex.Normalize(centers[q % centers.Length].Zip(RandomVector(random, Dimensions), (c, n) => c + (0.5f * n)).ToArray());
            var exact = index.SearchExact(query, 10, null).Select(r => r.Slot).ToHashSet();
            var quantized = index.SearchQuantized(query, 10, null);
            found += quantized.Count(r => exact.Contains(r.Slot));
            asked += 10;

            // The re-scored similarities are the exact float32 ones, best first.
            Assert.All(quantized, r => Assert.Equal(index.Similarity(query, r.Slot), r.Similarity, 5));
            Assert.Equal(quantized.OrderByDescending(r => r.Similarity).Select(r => r.Slot), quantized.Select(r => r.Slot));
        }

        Assert.True(found >= asked * 0.98, $"quantized recall@10 was {found}/{asked}");
    }

    [Fact]
    public void Search_AboveTheThreshold_HonoursTheFilterAndRemovals()
    {
        var random = new Random(3);
        var index = new FlatVectorIndex(32);
        for (int i = 0; i < FlatVectorIndex.QuantizedScanThreshold + 100; i++)
        {
            index.Add(RandomVector(random, 32));
        }

        var query = FlatVectorIndex.Normalize(RandomVector(random, 32));
        var best = index.Search(query, 5, null);
        index.Remove(best[0].Slot);

        var again = index.Search(query, 5, slot => slot % 2 == 0);

        Assert.DoesNotContain(again, r => r.Slot == best[0].Slot);
        Assert.All(again, r => Assert.Equal(0, r.Slot % 2));
        Assert.Equal(5, again.Count);
    }

    private static float[] RandomVector(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return FlatVectorIndex.Normalize(v);
    }
}
