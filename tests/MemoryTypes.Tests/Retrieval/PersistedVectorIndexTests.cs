using System.Collections.Concurrent;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Retrieval;
using KernelMemoryPlus.Storage.Sqlite;
using KernelMemoryPlus.Tests.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Tests.Retrieval;

/// <summary>
/// The engine on a real SQLite file with <see cref="KernelMemoryPlusOptions.VectorIndexDirectory"/> set: a namespace
/// past the approximate threshold saves its HNSW graph, a restart loads it instead of rebuilding it (and applies the
/// writes made since), and a damaged file is rebuilt, never fatal.
/// </summary>
public sealed class PersistedVectorIndexTests
{
    private const string Ns = "big";
    private const int Threshold = 1000;
    private const int Dimensions = 384;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Restart_LoadsTheSavedGraph_InsteadOfRebuildingIt_WithTheSameAnswers()
    {
        using var files = new SqliteTestFiles();
        var data = new Vectors(1);
        var queries = Enumerable.Range(0, 20).Select(_ => data.Next()).ToList();
        List<string[]> before;
        await using (var first = Open(files, persist: true))
        {
            await first.Engine.RememberManyAsync(data.Memories(1500), Ct);
            await BuildGraphAsync(first.Engine);
            before = await AnswersAsync(first.Engine, queries);
            var index = await IndexAsync(first.Engine);
            Assert.Equal((0, 1), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
            Assert.Contains(first.Logs.Messages, m => m.Contains("Built the vector index of namespace big (1500 vectors)", StringComparison.Ordinal));
        }

        Assert.True(File.Exists(MapPath(files)));
        var savedAt = File.GetLastWriteTimeUtc(MapPath(files));

        await using (var second = Open(files, persist: true))
        {
            var index = await WaitForGraphAsync(second.Engine);
            Assert.Equal((1, 0), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
            var outcome = index.Vectors.LastGraphOutcome!;
            Assert.True(outcome.Unchanged, outcome.ToString());
            Assert.Equal(1500, outcome.Kept);
            Assert.Equal(second.Engine.LastSequence, outcome.SavedSequence);
            Assert.Equal(before, await AnswersAsync(second.Engine, queries));
            Assert.Contains(second.Logs.Messages, m => m.Contains("Loaded the saved vector index of namespace big", StringComparison.Ordinal));
        }

        // Nothing changed, so nothing was written again.
        Assert.Equal(savedAt, File.GetLastWriteTimeUtc(MapPath(files)));
    }

    [Fact]
    public async Task Restart_AppliesTheWritesMadeSinceTheSave()
    {
        using var files = new SqliteTestFiles();
        var data = new Vectors(2);
        IReadOnlyList<MemoryRecord> stored;
        await using (var first = Open(files, persist: true))
        {
            stored = await first.Engine.RememberManyAsync(data.Memories(1500), Ct);
            await BuildGraphAsync(first.Engine);
        }

        // Writes the saved graph does not know: another engine on the same database without the index folder (as a
        // process that crashed after the save would leave them).
        var deleted = stored.Take(30).Select(r => r.Id).ToList();
        var changed = stored.Skip(30).Take(20).Select(r => r.Id).ToList();
        var added = data.Memories(40);
        IReadOnlyList<MemoryRecord> addedRecords;
        await using (var other = Open(files, persist: false))
        {
            foreach (var id in deleted)
            {
                await other.Engine.ForgetAsync(id, cancellationToken: Ct);
            }

            foreach (var id in changed)
            {
                await other.Engine.UpdateAsync(id, new MemoryUpdate { Content = "rewritten " + id }, cancellationToken: Ct);
            }

            addedRecords = await other.Engine.RememberManyAsync(added, Ct);
        }

        await using (var second = Open(files, persist: true))
        {
            var index = await WaitForGraphAsync(second.Engine);
            Assert.Equal((1, 0), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
            var outcome = index.Vectors.LastGraphOutcome!;
            Assert.Equal((50, 60), (outcome.Removed, outcome.Added));
            Assert.Equal(1450, outcome.Kept + outcome.Moved);

            // Each added or changed memory sits in the graph under its slot with its current vector; deleted ones are gone; answers match the exact scan.
            await second.Engine.ReadIndexAsync(Ns, (i, _, _) =>
            {
                foreach (var id in changed.Concat(addedRecords.Select(r => r.Id)))
                {
                    int slot = i.SlotOf(id)!.Value;
                    Assert.True(i.Vectors.GraphHoldsCurrent(slot), id);
                }

                Assert.All(deleted, id => Assert.Null(i.SlotOf(id)));
                AssertRecall(i.Vectors, data);
                return 0;
            }, Ct);

            // Writes with the loaded graph live go into it, and the next save records them.
            var late = await second.Engine.RememberManyAsync(data.Memories(5), Ct);
            await second.Engine.ReadIndexAsync(Ns, (i, _, _) =>
            {
                Assert.All(late, r => Assert.True(i.Vectors.GraphHoldsCurrent(i.SlotOf(r.Id)!.Value), r.Id));
                return 0;
            }, Ct);
        }

        await using (var third = Open(files, persist: true))
        {
            var index = await WaitForGraphAsync(third.Engine);
            Assert.Equal((1, 0), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
            Assert.True(index.Vectors.LastGraphOutcome!.Unchanged, index.Vectors.LastGraphOutcome.ToString());
            Assert.Equal(1515, index.Vectors.Count);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DamagedSavedGraph_IsRebuiltWithAWarning_NotACrash(bool damageTheGraph)
    {
        using var files = new SqliteTestFiles();
        var data = new Vectors(3);
        await using (var first = Open(files, persist: true))
        {
            await first.Engine.RememberManyAsync(data.Memories(1200), Ct);
            await BuildGraphAsync(first.Engine);
        }

        var target = damageTheGraph ? Directory.GetFiles(IndexFolder(files), "*.usearch").Single() : MapPath(files);
        var bytes = File.ReadAllBytes(target);
        File.WriteAllBytes(target, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        await using (var second = Open(files, persist: true))
        {
            var index = await WaitForGraphAsync(second.Engine);
            Assert.Equal((0, 1), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
            Assert.Contains("truncated or corrupt", index.Vectors.LastGraphOutcome!.Rejected, StringComparison.Ordinal);
            Assert.Contains(second.Logs.Messages, m => m.StartsWith("Warning: The saved vector index of namespace big was not used", StringComparison.Ordinal));
            var results = await second.Engine.RecallAsync(new RecallQuery { Namespace = Ns, Text = "memory 7" }, Ct);
            Assert.NotEmpty(results);
            await second.Engine.ReadIndexAsync(Ns, (i, _, _) =>
            {
                AssertRecall(i.Vectors, data);
                return 0;
            }, Ct);
        }

        // The rebuilt graph was saved over the damaged files.
        await using (var third = Open(files, persist: true))
        {
            var index = await WaitForGraphAsync(third.Engine);
            Assert.Equal((1, 0), (index.Vectors.GraphLoads, index.Vectors.GraphBuilds));
        }
    }

    [Fact]
    public async Task WithoutAnIndexFolder_NothingIsWritten()
    {
        using var files = new SqliteTestFiles();
        await using (var engine = Open(files, persist: false))
        {
            await engine.Engine.RememberManyAsync(new Vectors(4).Memories(1100), Ct);
            await BuildGraphAsync(engine.Engine);
        }

        Assert.False(Directory.Exists(IndexFolder(files)));
        Assert.DoesNotContain(Directory.GetFiles(files.Directory, "*", SearchOption.AllDirectories), f => f.EndsWith(".usearch", StringComparison.Ordinal) || f.EndsWith(".hnsw", StringComparison.Ordinal));
    }

    private static string IndexFolder(SqliteTestFiles files) => files.PathOf("index");

    private static string MapPath(SqliteTestFiles files) => new VectorGraphFiles(IndexFolder(files), Ns).MapPath;

    private static OpenEngine Open(SqliteTestFiles files, bool persist)
    {
        var logs = new LogSink();
        var store = new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = files.PathOf("memory.db") });
        var options = new KernelMemoryPlusOptions
        {
            AccessFlushInterval = TimeSpan.FromHours(1),
            ApproximateIndexThreshold = Threshold,
            VectorIndexDirectory = persist ? IndexFolder(files) : null,
        };
        return new OpenEngine(new MemoryEngine(store, new OfflineEmbeddingGenerator(), Options.Create(options), logger: logs), store, logs);
    }

    private static Task<NamespaceIndex> IndexAsync(MemoryEngine engine) => engine.ReadIndexAsync(Ns, (i, _, _) => i, Ct);

    /// <summary>Starts the graph build with a search, waits for it, and lets the engine install (and save) it.</summary>
    private static async Task BuildGraphAsync(MemoryEngine engine)
    {
        await engine.RecallAsync(new RecallQuery { Namespace = Ns, Text = "anything", TrackAccess = false }, Ct);
        var index = await WaitForGraphAsync(engine);
        Assert.True(index.Vectors.IsApproximate);
    }

    /// <summary>Loads the namespace and waits until its graph (loaded or built in the background) is installed.</summary>
    private static async Task<NamespaceIndex> WaitForGraphAsync(MemoryEngine engine)
    {
        var index = await IndexAsync(engine);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!index.Vectors.IsApproximate)
        {
            Assert.True(DateTime.UtcNow < deadline, "the graph was not installed within 60 s");
            if (index.Vectors.PendingBuild is { } build)
            {
                await build.WaitAsync(Ct).ContinueWith(_ => { }, Ct, TaskContinuationOptions.None, TaskScheduler.Default);
            }

            await Task.Delay(20, Ct);
            await engine.ReadIndexAsync(Ns, (i, _, _) => { i.Vectors.InstallPendingGraph(); return 0; }, Ct);
        }

        return index;
    }

    /// <summary>The ids of the top 10 of each query through the vector index (the approximate path once the graph is live).</summary>
    private static Task<List<string[]>> AnswersAsync(MemoryEngine engine, List<float[]> queries) =>
        engine.ReadIndexAsync(Ns, (i, _, _) => queries.Select(q => i.Vectors.Search(q, 10, null).Select(r => i.RecordAt(r.Slot).Id).ToArray()).ToList(), Ct);

    private static void AssertRecall(FlatVectorIndex index, Vectors data)
    {
        int found = 0;
        for (int q = 0; q < 30; q++)
        {
            var query = data.Next();
            var exact = index.SearchExact(query, 10, null).Select(r => r.Slot).ToHashSet();
            found += index.Search(query, 10, null).Count(r => exact.Contains(r.Slot));
        }

        Assert.True(found >= 300 * 0.9, $"recall@10 was {found}/300");
    }

    private sealed record OpenEngine(MemoryEngine Engine, SqliteVectorStore Store, LogSink Logs) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            Store.Dispose();
        }
    }

    /// <summary>Seeded unit vectors around 30 random centres (the engine's dimensions).</summary>
    private sealed class Vectors(int seed)
    {
        private readonly Random _random = new(seed);
        private float[][]? _centres;
        private int _written;

        public float[] Next()
        {
            _centres ??= Enumerable.Range(0, 30).Select(_ => Gaussian(1f)).ToArray();
            var centre = _centres[_random.Next(_centres.Length)];
            var noise = Gaussian(0.8f / MathF.Sqrt(Dimensions));
            return FlatVectorIndex.Normalize(centre.Zip(noise, (c, n) => c + n).ToArray());
        }

        public List<NewMemory> Memories(int count) => Enumerable.Range(0, count)
            .Select(_ => new NewMemory { Namespace = Ns, Content = $"memory {_written++}", Embedding = Next() })
            .ToList();

        private float[] Gaussian(float sigma)
        {
            var v = new float[Dimensions];
            for (int i = 0; i < Dimensions; i++)
            {
                double u1 = 1.0 - _random.NextDouble(), u2 = _random.NextDouble();
                v[i] = (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2) * sigma);
            }

            return v;
        }
    }

    private sealed class LogSink : ILogger<MemoryEngine>
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue($"{logLevel}: {formatter(state, exception)}");
    }
}
