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
        Assert.True(index.GraphHoldsCurrent(17));
        index.Remove(17);
        Assert.False(index.GraphHoldsCurrent(17));
        Assert.DoesNotContain(index.Search(target, 20, null), r => r.Slot == 17);

        // A replaced vector is found at its new place and no longer at its old one.
        var old = index.Get(40).ToArray();
        var replacement = RandomVector(random, Dimensions);
        index.Set(40, replacement);
        Assert.True(index.GraphHoldsCurrent(40));
        Assert.NotEqual(40, index.Search(old, 1, null)[0].Slot);

        // An added vector (reusing the freed slot) is found.
        var added = RandomVector(random, Dimensions);
        int slot = index.Add(added);
        Assert.Equal(17, slot);
        Assert.True(index.GraphHoldsCurrent(17));
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
        Assert.True(index.GraphHoldsCurrent(addedSlot));
        Assert.False(index.GraphHoldsCurrent(5));
        Assert.DoesNotContain(index.Search(removed, 10, null), r => r.Slot == 5);
        Assert.True(index.GraphHoldsCurrent(6));
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
    public async Task SavedGraph_LoadsIntoAReloadedIndex_WithDifferentSlots_AndCatchesUp()
    {
        using var folder = new TempFolder();
        var random = new Random(71);
        using var original = Clustered(random, 2000, out var centers);
        original.BuildApproximateIndex();
        var files = new VectorGraphFiles(folder.Path, "ns");
        Assert.Null(files.Open(Dimensions));
        files.Commit(files.Write(original)!, Dimensions, sequence: 7);
        Assert.Equal(0, original.GraphChanges);

        // Reload in reverse order (every slot moves), without the vector that was in slot 0, with slot 1's vector
        // changed since the save, and one new vector.
        using var reloaded = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        var newSlotOf = new int[2000];
        for (int old = 1999; old >= 1; old--)
        {
            newSlotOf[old] = reloaded.Add(old == 1 ? RandomVector(random, Dimensions) : original.Get(old));
        }

        var added = Near(random, centers[3], 0.4f);
        int addedSlot = reloaded.Add(added);
        int ready = 0;
        reloaded.GraphReady = () => Interlocked.Increment(ref ready);
        reloaded.WarmUp(() => files.Open(Dimensions));
        await reloaded.PendingBuild!;
        reloaded.InstallPendingGraph();

        Assert.True(reloaded.IsApproximate);
        Assert.Equal(1, ready);
        Assert.Equal((1, 0), (reloaded.GraphLoads, reloaded.GraphBuilds));
        var outcome = reloaded.LastGraphOutcome!;
        Assert.Equal(GraphSource.Loaded, outcome.Source);
        Assert.Equal((2, 2, 7L), (outcome.Removed, outcome.Added, outcome.SavedSequence!.Value));
        Assert.Equal(1998, outcome.Kept + outcome.Moved);
        Assert.True(outcome.Moved > 1000);
        Assert.Null(outcome.Rejected);
        Assert.True(reloaded.GraphChanges > 0);

        // Every vector sits in the graph under its new slot with its current codes (the exact check), and searching
        // for each finds it, but for the fraction of a percent of nodes an HNSW build leaves poorly connected.
        int foundItself = 0;
        for (int old = 2; old < 2000; old++)
        {
            Assert.True(reloaded.GraphHoldsCurrent(newSlotOf[old]), $"slot {newSlotOf[old]} (was {old})");
            foundItself += reloaded.Search(original.Get(old), 1, null)[0].Slot == newSlotOf[old] ? 1 : 0;
        }

        Assert.True(foundItself >= 1998 * 0.98, $"{foundItself} of 1,998 vectors found themselves");
        Assert.True(reloaded.GraphHoldsCurrent(newSlotOf[1]));
        Assert.True(reloaded.GraphHoldsCurrent(addedSlot));
        AssertRecall(reloaded, random, centers);
    }

    [Fact]
    public async Task SavedGraph_OfTheSameVectors_LoadsUnchanged()
    {
        using var folder = new TempFolder();
        using var original = Clustered(new Random(73), 1500, out var centers);
        original.BuildApproximateIndex();
        var files = new VectorGraphFiles(folder.Path, "ns");
        files.Commit(files.Write(original)!, Dimensions, sequence: 1);

        using var reloaded = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        for (int slot = 0; slot < 1500; slot++)
        {
            reloaded.Add(original.Get(slot));
        }

        reloaded.WarmUp(() => files.Open(Dimensions));
        await reloaded.PendingBuild!;
        reloaded.InstallPendingGraph();

        var outcome = reloaded.LastGraphOutcome!;
        Assert.True(outcome.Unchanged);
        Assert.Equal(1500, outcome.Kept);
        Assert.Equal(0, reloaded.GraphChanges);
        var random = new Random(74);
        for (int q = 0; q < 20; q++)
        {
            var query = Near(random, centers[q % centers.Length], 0.5f);
            Assert.Equal(original.Search(query, 10, null), reloaded.Search(query, 10, null));
        }
    }

    [Theory]
    [InlineData("flip a byte of the graph")]
    [InlineData("truncate the graph")]
    [InlineData("delete the graph")]
    [InlineData("truncate the map")]
    [InlineData("garbage map")]
    [InlineData("other dimensions")]
    public async Task DamagedSavedGraph_IsRebuilt_NotLoaded(string damage)
    {
        using var folder = new TempFolder();
        using var original = Clustered(new Random(81), 1500, out var centers);
        original.BuildApproximateIndex();
        var files = new VectorGraphFiles(folder.Path, "ns");
        files.Commit(files.Write(original)!, Dimensions, sequence: 3);
        var graph = Directory.GetFiles(folder.Path, "*.usearch").Single();
        switch (damage)
        {
            case "flip a byte of the graph":
                var bytes = File.ReadAllBytes(graph);
                bytes[bytes.Length / 2] ^= 0x5A;
                File.WriteAllBytes(graph, bytes);
                break;
            case "truncate the graph":
                using (var stream = File.OpenWrite(graph))
                {
                    stream.SetLength(stream.Length / 3);
                }

                break;
            case "delete the graph":
                File.Delete(graph);
                break;
            case "truncate the map":
                using (var stream = File.OpenWrite(files.MapPath))
                {
                    stream.SetLength(stream.Length - 9);
                }

                break;
            case "garbage map":
                File.WriteAllBytes(files.MapPath, new byte[100]);
                break;
        }

        int dimensions = damage == "other dimensions" ? Dimensions * 2 : Dimensions;
        Assert.Throws<InvalidDataException>(() => files.Open(dimensions));

        using var reloaded = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        for (int slot = 0; slot < 1500; slot++)
        {
            reloaded.Add(original.Get(slot));
        }

        reloaded.WarmUp(() => files.Open(dimensions));
        await reloaded.PendingBuild!;
        reloaded.InstallPendingGraph();

        Assert.True(reloaded.IsApproximate);
        Assert.Equal((0, 1), (reloaded.GraphLoads, reloaded.GraphBuilds));
        Assert.NotNull(reloaded.LastGraphOutcome!.Rejected);
        AssertRecall(reloaded, new Random(82), centers);
    }

    [Fact]
    public async Task SavedGraph_ThatMostlyChanged_IsRebuilt()
    {
        using var folder = new TempFolder();
        using var original = Clustered(new Random(91), 1500, out _);
        original.BuildApproximateIndex();
        var files = new VectorGraphFiles(folder.Path, "ns");
        files.Commit(files.Write(original)!, Dimensions, sequence: 5);

        using var other = Clustered(new Random(92), 1500, out var centers);
        other.WarmUp(() => files.Open(Dimensions));
        await other.PendingBuild!;
        other.InstallPendingGraph();

        Assert.Equal((0, 1), (other.GraphLoads, other.GraphBuilds));
        Assert.Contains("deleted or changed", other.LastGraphOutcome!.Rejected, StringComparison.Ordinal);
        AssertRecall(other, new Random(93), centers);
    }

    [Fact]
    public void GraphFiles_ReplaceTheirPredecessor_AndLeaveNoTemporaryFiles()
    {
        using var folder = new TempFolder();
        using var index = Clustered(new Random(95), 1200, out _);
        index.BuildApproximateIndex();
        var files = new VectorGraphFiles(Path.Combine(folder.Path, "index"), "a namespace/with odd chars");
        files.Commit(files.Write(index)!, Dimensions, sequence: 1);
        index.Remove(3);
        files.Commit(files.Write(index)!, Dimensions, sequence: 2);

        var names = Directory.GetFiles(Path.Combine(folder.Path, "index")).Select(Path.GetFileName).Order().ToList();
        Assert.Equal(2, names.Count);
        Assert.All(names, n => Assert.StartsWith("ns-", n, StringComparison.Ordinal));
        Assert.Single(names, n => n!.EndsWith(".usearch", StringComparison.Ordinal));
        Assert.Single(names, n => n!.EndsWith(".hnsw", StringComparison.Ordinal));
        var saved = files.Open(Dimensions)!;
        Assert.Equal((1199, 2L), (saved.Count, saved.Sequence));
        Assert.Equal(0UL, saved.SlotHashes[3]);

        // No graph, nothing written.
        using var small = new FlatVectorIndex(Dimensions, approximateThreshold: Threshold);
        small.Add(RandomVector(new Random(96), Dimensions));
        Assert.Null(files.Write(small));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(folder.Path, "index")).Length);
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(16_384)]
    [InlineData(100_000)]
    [InlineData(999_999)]
    [InlineData(1_000_000)]
    [InlineData(1_048_576)]
    [InlineData(5_000_000)]
    public void AcceptRateSample_IsSpreadOverTheRange_AndBlindToParity(int highWater)
    {
        var slots = Enumerable.Range(0, 64).Select(i => FlatVectorIndex.SampleSlot(i, 64, highWater)).ToList();

        Assert.All(slots, s => Assert.InRange(s, 0, highWater - 1));
        Assert.InRange(slots.Count(s => s % 2 == 0), 20, 44);
        Assert.InRange(slots.Count(s => s % 3 == 0), 10, 35);
        Assert.InRange(slots.Count(s => s < highWater / 2), 28, 36);
        Assert.Equal(slots.Order(), slots);
    }

    [Fact]
    public void HashCodes_IdentifiesVectors_AndIsNeverZero()
    {
        var random = new Random(97);
        var codes = new sbyte[Dimensions];
        var seen = new HashSet<ulong>();
        for (int i = 0; i < 1000; i++)
        {
            FlatVectorIndex.Quantize(FlatVectorIndex.Normalize(RandomVector(random, Dimensions)), codes);
            Assert.True(seen.Add(FlatVectorIndex.HashCodes(codes)));
        }

        Assert.NotEqual(0UL, FlatVectorIndex.HashCodes(new sbyte[Dimensions]));
        Assert.Equal(FlatVectorIndex.HashCodes(codes), FlatVectorIndex.HashCodes(codes.ToArray()));
    }

    private static void AssertRecall(FlatVectorIndex index, Random random, float[][] centers)
    {
        int found = 0;
        for (int q = 0; q < 50; q++)
        {
            var query = Near(random, centers[q % centers.Length], 0.5f);
            var exact = index.SearchExact(query, 10, null).Select(r => r.Slot).ToHashSet();
            found += index.Search(query, 10, null).Count(r => exact.Contains(r.Slot));
        }

        Assert.True(found >= 500 * 0.95, $"recall@10 was {found}/500");
    }

    private sealed class TempFolder : IDisposable
    {
        public TempFolder()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kmp-graph-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
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
