using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Tests.Retrieval;

/// <summary>The HNSW path of <see cref="FlatVectorIndex"/> (USearch) and its wrapper.</summary>
public sealed class ApproximateVectorIndexTests
{
    private const int Dimensions = 64;
    private const int Threshold = 1000;

    [Fact]
    public void BelowTheThreshold_NoGraphIsBuilt()
    {
        using var index = Clustered(new Random(1), Threshold - 1, out _);
        var query = FlatVectorIndex.Normalize(RandomVector(new Random(2), Dimensions));

        index.Search(query, 10, null);

        Assert.False(index.IsApproximate);
        Assert.Null(index.PendingBuild);
    }

    [Fact]
    public void Graph_OnClusteredVectors_ReachesRecallAtTenOf95Percent_WithExactSimilarities()
    {
        var random = new Random(5);
        using var index = Clustered(random, 6000, out var centers);
        index.BuildApproximateIndex();
        Assert.True(index.IsApproximate);

        int found = 0, asked = 0;
        for (int q = 0; q < 100; q++)
        {
            var query = Near(random, centers[q % centers.Length], 0.5f);
            var exact = index.SearchExact(query, 10, null).Select(r => r.Slot).ToHashSet();
            var approximate = index.Search(query, 10, null);
            Assert.Equal(10, approximate.Count);
            found += approximate.Count(r => exact.Contains(r.Slot));
            asked += 10;
            Assert.All(approximate, r => Assert.Equal(index.Similarity(query, r.Slot), r.Similarity, 5));
            Assert.Equal(approximate.OrderByDescending(r => r.Similarity).Select(r => r.Slot), approximate.Select(r => r.Slot));
        }

        Assert.True(found >= asked * 0.95, $"HNSW recall@10 was {found}/{asked}");
    }

    [Fact]
    public void Graph_StaysInStep_WithAddsReplacementsAndRemovals()
    {
        var random = new Random(9);
        using var index = Clustered(random, 3000, out _);
        index.BuildApproximateIndex();

        // A removed vector is never returned, even when the query is the vector itself.
        var target = index.Get(17).ToArray();
        Assert.Equal(17, index.Search(target, 1, null)[0].Slot);
        index.Remove(17);
        Assert.DoesNotContain(index.Search(target, 20, null), r => r.Slot == 17);

        // A replaced vector is found at its new place and no longer at its old one.
        var old = index.Get(40).ToArray();
        var replacement = RandomVector(random, Dimensions);
        index.Set(40, replacement);
        Assert.Equal(40, index.Search(FlatVectorIndex.Normalize(replacement), 1, null)[0].Slot);
        Assert.NotEqual(40, index.Search(old, 1, null)[0].Slot);

        // An added vector (reusing the freed slot) is found.
        var added = RandomVector(random, Dimensions);
        int slot = index.Add(added);
        Assert.Equal(17, slot);
        Assert.Equal(17, index.Search(FlatVectorIndex.Normalize(added), 1, null)[0].Slot);
        Assert.True(index.IsApproximate);
    }

    [Fact]
    public void Graph_HonoursTheFilter_BroadAndSelective()
    {
        var random = new Random(13);
        using var index = Clustered(random, 4000, out var centers);
        index.BuildApproximateIndex();
        var query = Near(random, centers[0], 0.5f);

        // Broad: half the slots; results all pass and match the exact filtered top 10 closely.
        var broad = index.Search(query, 10, s => s % 2 == 0);
        Assert.Equal(10, broad.Count);
        Assert.All(broad, r => Assert.Equal(0, r.Slot % 2));
        var exactBroad = index.SearchExact(query, 10, s => s % 2 == 0).Select(r => r.Slot).ToHashSet();
        Assert.True(broad.Count(r => exactBroad.Contains(r.Slot)) >= 8);

        // Selective: 1 slot in 200; the exact filtered answer, in full.
        var selective = index.Search(query, 10, s => s % 200 == 3);
        Assert.Equal(index.SearchExact(query, 10, s => s % 200 == 3), selective);

        // A filter the sample does not see (one slot) still finds it.
        var single = index.Search(query, 10, s => s == 1234);
        Assert.Equal(1234, Assert.Single(single).Slot);
    }

    [Fact]
    public async Task Search_AboveTheThreshold_BuildsInTheBackground_AndReplaysWritesMadeMeanwhile()
    {
        var random = new Random(21);
        using var index = Clustered(random, Threshold + 500, out _);
        var query = FlatVectorIndex.Normalize(RandomVector(random, Dimensions));

        var first = index.Search(query, 10, null);
        Assert.Equal(index.SearchExact(query, 10, null).Select(r => r.Slot), first.Select(r => r.Slot));
        var build = index.PendingBuild;
        Assert.NotNull(build);

        // Writes while the graph is built (they may land before or after the build reads the slot).
        var added = FlatVectorIndex.Normalize(RandomVector(random, Dimensions));
        int addedSlot = index.Add(added);
        var removed = index.Get(5).ToArray();
        index.Remove(5);
        var moved = FlatVectorIndex.Normalize(RandomVector(random, Dimensions));
        index.Set(6, moved);

        await build;
        index.Search(query, 10, null);
        Assert.True(index.IsApproximate);
        Assert.Equal(addedSlot, index.Search(added, 1, null)[0].Slot);
        Assert.DoesNotContain(index.Search(removed, 10, null), r => r.Slot == 5);
        Assert.Equal(6, index.Search(moved, 1, null)[0].Slot);
    }

    [Fact]
    public void Graph_ServesManyConcurrentSearches()
    {
        var random = new Random(31);
        using var index = Clustered(random, 3000, out var centers);
        index.BuildApproximateIndex();
        var queries = Enumerable.Range(0, 64).Select(i => Near(random, centers[i % centers.Length], 0.5f)).ToArray();
        var expected = queries.Select(q => index.Search(q, 10, null).Select(r => r.Slot).ToArray()).ToArray();

        var mismatches = 0;
        Parallel.For(0, 4000, new ParallelOptions { MaxDegreeOfParallelism = 64 }, i =>
        {
            var got = index.Search(queries[i % queries.Length], 10, null).Select(r => r.Slot).ToArray();
            if (!got.SequenceEqual(expected[i % queries.Length]))
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void BelowHalfTheThreshold_TheGraphIsDropped_AndTheQuantizedScanResumes()
    {
        var random = new Random(41);
        using var index = Clustered(random, Threshold + 10, out _);
        index.BuildApproximateIndex();
        Assert.True(index.IsApproximate);

        for (int slot = 0; slot < 700; slot++)
        {
            index.Remove(slot);
        }

        Assert.False(index.IsApproximate);
        var query = FlatVectorIndex.Normalize(RandomVector(random, Dimensions));
        Assert.Equal(index.SearchExact(query, 10, null), index.SearchQuantized(query, 10, null));
        Assert.All(index.Search(query, 10, null), r => Assert.True(r.Slot >= 700));
    }

    [Fact]
    public void Dispose_ReleasesTheGraph_AndIsIdempotent()
    {
        var index = Clustered(new Random(51), 2000, out _);
        index.BuildApproximateIndex();
        Assert.True(index.GraphMemoryBytes > 0);

        index.Dispose();
        index.Dispose();

        Assert.False(index.IsApproximate);
        var query = FlatVectorIndex.Normalize(RandomVector(new Random(52), Dimensions));
        Assert.Equal(10, index.Search(query, 10, null).Count);
    }

    [Fact]
    public void Hnsw_SaveAndLoad_RoundTripsTheGraph()
    {
        var random = new Random(61);
        using var graph = HnswVectorIndex.Create(Dimensions);
        var codes = new sbyte[Dimensions];
        for (int slot = 0; slot < 500; slot++)
        {
            FlatVectorIndex.Quantize(FlatVectorIndex.Normalize(RandomVector(random, Dimensions)), codes);
            graph.Add(slot, codes);
        }

        var bytes = graph.Save();
        using var loaded = HnswVectorIndex.Load(bytes, Dimensions);
        Assert.Equal(500, loaded.Size);
        var a = new ulong[5];
        var b = new ulong[5];
        var d = new float[5];
        graph.Search(codes, a, d);
        loaded.Search(codes, b, d);
        Assert.Equal(a, b);
        Assert.Equal(499UL, b[0]);
        Assert.Throws<InvalidDataException>(() => HnswVectorIndex.Load(bytes, Dimensions + 1));
        Assert.Throws<InvalidDataException>(() => HnswVectorIndex.Load(new byte[10], Dimensions));
    }

    [Fact]
    public void SavedGraph_LoadsIntoAReloadedIndex_WithDifferentSlots()
    {
        var random = new Random(71);
        using var original = Clustered(random, 2000, out _);
        original.BuildApproximateIndex();
        var saved = original.SaveApproximateIndex();
        Assert.NotNull(saved);

        // Reload in reverse order (every slot moves), without the vector that was in slot 0, and with slot 1's
        // vector changed since the save.
        using var reloaded = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        var newSlotOf = new int[2000];
        for (int old = 1999; old >= 1; old--)
        {
            newSlotOf[old] = reloaded.Add(old == 1 ? RandomVector(random, Dimensions) : original.Get(old));
        }

        int changed = newSlotOf[1];
        newSlotOf[0] = -1;
        newSlotOf[1] = -1;
        Assert.True(reloaded.LoadApproximateIndex(saved, 2000, old => newSlotOf[old]));
        Assert.True(reloaded.IsApproximate);
        Assert.Null(reloaded.PendingBuild);

        for (int old = 2; old < 2000; old += 97)
        {
            Assert.Equal(newSlotOf[old], reloaded.Search(original.Get(old), 1, null)[0].Slot);
        }

        Assert.Equal(changed, reloaded.Search(reloaded.Get(changed), 1, null)[0].Slot);
        Assert.False(reloaded.LoadApproximateIndex(saved, 2000, old => newSlotOf[old]));
        using var other = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        other.Add(RandomVector(random, Dimensions));
        Assert.False(other.LoadApproximateIndex(new byte[16], 2000, old => old));
        Assert.False(other.IsApproximate);
    }

    private static FlatVectorIndex Clustered(Random random, int n, out float[][] centers)
    {
        var index = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        centers = Enumerable.Range(0, 20).Select(_ => RandomVector(random, Dimensions)).ToArray();
        for (int i = 0; i < n; i++)
        {
            index.Add(Near(random, centers[i % centers.Length], 0.4f));
        }

        return index;
    }

    private static float[] Near(Random random, float[] center, float noise) =>
        FlatVectorIndex.Normalize(center.Zip(RandomVector(random, center.Length), (c, n) => c + (noise * n)).ToArray());

    private static float[] RandomVector(Random random, int dimensions)
    {
        var v = new float[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return v;
    }
}
