using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Bench.Scale;
using KernelMemoryPlus.Retrieval;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>The options of <c>scale</c>.</summary>
/// <param name="Sizes">Index sizes, one run each, in the given order.</param>
/// <param name="Dimensions">Vector dimensions.</param>
/// <param name="Queries">Measured approximate queries per size.</param>
/// <param name="ExactQueries">Of those, how many also run the exact and quantized scans (ground truth for recall).</param>
/// <param name="Warmup">Warm-up queries per path, not measured.</param>
/// <param name="K">Results per query.</param>
/// <param name="Clusters">Cluster centres of the synthetic vectors.</param>
/// <param name="Spread">Noise length relative to a cluster centre.</param>
/// <param name="Threads">Threads building the graph.</param>
/// <param name="Seed">Seed of the vectors.</param>
/// <param name="Json">Where to write the JSON report, or null.</param>
internal sealed record ScaleSettings(IReadOnlyList<int> Sizes, int Dimensions, int Queries, int ExactQueries, int Warmup, int K, int Clusters, double Spread, int Threads, int Seed, string? Json);

/// <summary>The measurements at one index size.</summary>
/// <param name="N">Vectors in the index.</param>
/// <param name="Dim">Dimensions.</param>
/// <param name="IngestPerSec">Vectors per second through <see cref="FlatVectorIndex.Prepare"/> + <see cref="FlatVectorIndex.Add(PreparedVector)"/> (normalize, quantize, copy; no graph yet).</param>
/// <param name="BuildSeconds">Time to build the HNSW graph over all vectors (<c>Threads</c> threads).</param>
/// <param name="GraphAddPerSec">Vectors per second added one at a time once the graph is live (each insert updates the graph, single thread, as a write under the namespace lock does).</param>
/// <param name="ExactP50Ms">Exact float32 scan (<c>SearchExact</c>), median.</param>
/// <param name="ExactP95Ms">Exact float32 scan, 95th percentile.</param>
/// <param name="ExactP99Ms">Exact float32 scan, 99th percentile.</param>
/// <param name="QuantizedP50Ms">Int8 scan + float32 re-scoring (the index's path between 4,096 vectors and the graph threshold), median.</param>
/// <param name="QuantizedP99Ms">The same, 99th percentile.</param>
/// <param name="AnnP50Ms">HNSW search + exact re-scoring (<c>Search</c> with the graph live), median.</param>
/// <param name="AnnP95Ms">The same, 95th percentile.</param>
/// <param name="AnnP99Ms">The same, 99th percentile.</param>
/// <param name="AnnFilteredP50Ms">HNSW search with a filter accepting half the slots, median.</param>
/// <param name="AnnRecallAt10">Share of the exact top-k found by the approximate search (recall@k, k = 10 by default).</param>
/// <param name="QuantizedRecallAt10">The same for the quantized scan.</param>
/// <param name="ExactQueries">Queries with ground truth (exact and quantized timings, recall).</param>
/// <param name="AnnQueries">Queries timed on the approximate path.</param>
/// <param name="RssMb">Resident set of the process with the index built (after a full GC).</param>
/// <param name="RawVectorMb">n × dim × 4 bytes: the float32 vectors alone.</param>
/// <param name="IndexMb">What the index holds: its managed arrays (float32 vectors, scales, flags) plus the graph's native memory.</param>
/// <param name="MemoryRatio">IndexMb / RawVectorMb.</param>
/// <param name="GraphMb">The graph's native memory as USearch reports it (int8 codes, links, key table, and the unused tail of its last arena, which is reserved address space rather than resident memory).</param>
/// <param name="RssGrowthOnBuildMb">Resident set after the build minus before it (both after a full compacting GC): the graph's resident cost net of the int8 codes the index drops when the graph takes over.</param>
/// <param name="ResidentMb">What the index occupies in RAM: its managed arrays (float32 vectors, scales, hashes, flags) plus the graph's resident native memory, measured as the growth of the process's anonymous resident memory outside the GC heap (RssAnon − GC committed bytes) across the build, each side measured after an aggressive collection that returns freed GC regions to the OS.</param>
/// <param name="ResidentRatio">ResidentMb / RawVectorMb.</param>
/// <param name="GraphDataMb">The graph's content as USearch serializes it (int8 codes, links, keys): the bytes it uses, without the unused tails of its arenas.</param>
/// <param name="DataRatio">(the index's managed arrays + GraphDataMb) / RawVectorMb: the bytes the index holds, without allocator slack.</param>
/// <param name="ExpansionAdd">efConstruction the graph was built with (chosen by size, see <see cref="HnswVectorIndex.ExpansionAddFor"/>).</param>
/// <param name="ExpansionSearch">efSearch used (chosen by size).</param>
/// <param name="SaveSeconds">Time to write the graph to its files, as the engine does on dispose: the USearch file, its checksum and fsync, the map.</param>
/// <param name="GraphFileMb">Size of the saved files.</param>
/// <param name="LoadSeconds">A restart: a fresh index given the same vectors loads the saved graph (checksum, USearch load, slot mapping) and installs it — the engine's path; compare with <c>BuildSeconds</c>.</param>
/// <param name="LoadedRecallAt10">Recall@k of the reloaded index (same queries and ground truth as <c>AnnRecallAt10</c>).</param>
/// <param name="LoadAverageBefore">1-minute load average when the size started.</param>
/// <param name="LoadAverageAfter">1-minute load average when it ended.</param>
/// <param name="Seconds">Wall time of the size.</param>
internal sealed record ScaleResult(
    int N,
    int Dim,
    double IngestPerSec,
    double BuildSeconds,
    double GraphAddPerSec,
    double ExactP50Ms,
    double ExactP95Ms,
    double ExactP99Ms,
    double QuantizedP50Ms,
    double QuantizedP99Ms,
    double AnnP50Ms,
    double AnnP95Ms,
    double AnnP99Ms,
    double AnnFilteredP50Ms,
    double AnnRecallAt10,
    double QuantizedRecallAt10,
    int ExactQueries,
    int AnnQueries,
    double RssMb,
    double RawVectorMb,
    double IndexMb,
    double MemoryRatio,
    double GraphMb,
    double RssGrowthOnBuildMb,
    double ResidentMb,
    double ResidentRatio,
    double GraphDataMb,
    double DataRatio,
    int ExpansionAdd,
    int ExpansionSearch,
    double SaveSeconds,
    double GraphFileMb,
    double LoadSeconds,
    double LoadedRecallAt10,
    double? LoadAverageBefore,
    double? LoadAverageAfter,
    double Seconds);

/// <summary>
/// <c>scale</c>: the vector index alone (<see cref="FlatVectorIndex"/>) at growing sizes on synthetic clustered unit
/// vectors — ingest rate, HNSW build time, query latency of the exact scan, the quantized scan and the HNSW graph,
/// recall of the graph against the exact top k, and memory.
/// </summary>
internal static class ScaleCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var n = new Option<string>("--n")
        {
            Description = "Index sizes, comma-separated (each from 1,000 to 5,000,000), e.g. 10000,100000,1000000.",
            DefaultValueFactory = _ => "10000,100000",
        };
        n.Validators.Add(result =>
        {
            if (!TryParseSizes(result.GetValueOrDefault<string>() ?? "", out _, out var error))
            {
                result.AddError(error);
            }
        });
        var dim = CommonOptions.Int("--dim", "Vector dimensions.", 384, 8, 4096);
        var queries = CommonOptions.Int("--queries", "Measured approximate queries per size.", 1000, 1, 1_000_000);
        var exactQueries = CommonOptions.Int("--exact-queries", "Of those, how many also run the exact and quantized scans (the ground truth for recall; a 1M exact scan costs ~0.1 s).", 200, 1, 1_000_000);
        var warmup = CommonOptions.Int("--warmup", "Warm-up queries per path, not measured.", 50, 0, 100_000);
        var k = CommonOptions.Int("--k", "Results per query (recall@k).", 10, 1, 1000);
        var clusters = CommonOptions.Int("--clusters", "Cluster centres of the synthetic vectors.", 1000, 1, 1_000_000);
        var spread = CommonOptions.Fraction("--spread", "Noise length relative to a cluster centre (members of a cluster have cosine ≈ 1/(1+spread²)).", 0.8);
        var threads = CommonOptions.Int("--threads", "Threads building the graph (default: all cores).", Environment.ProcessorCount, 1, 256);
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();

        var command = new Command("scale", "The vector index at growing sizes on synthetic clustered unit vectors: ingest, HNSW build, exact / quantized / approximate query latency, recall@k of the approximate index, memory.")
        {
            n, dim, queries, exactQueries, warmup, k, clusters, spread, threads, seed, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "scale",
            ct =>
            {
                TryParseSizes(parse.GetValue(n)!, out var sizes, out _);
                return RunAsync(
                    new ScaleSettings(
                        sizes,
                        parse.GetValue(dim),
                        parse.GetValue(queries),
                        Math.Min(parse.GetValue(exactQueries), parse.GetValue(queries)),
                        parse.GetValue(warmup),
                        parse.GetValue(k),
                        parse.GetValue(clusters),
                        parse.GetValue(spread),
                        parse.GetValue(threads),
                        parse.GetValue(seed),
                        parse.GetValue(json)),
                    ct);
            },
            cancellationToken));
        return command;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(ScaleSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        var vectors = new ClusteredVectors(settings.Dimensions, settings.Clusters, (float)settings.Spread, settings.Seed);
        AnsiConsole.MarkupLine($"[grey]{settings.Clusters:N0} clusters, spread {settings.Spread}, {settings.Dimensions} dimensions; sizes {string.Join(", ", settings.Sizes.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}; k = {settings.K}; graph threads {settings.Threads}[/]");

        var results = new List<ScaleResult>();
        await ConsoleReport.Progress().StartAsync(ctx =>
        {
            foreach (int size in settings.Sizes)
            {
                results.Add(RunSize(ctx, vectors, size, settings, cancellationToken));
            }

            return Task.CompletedTask;
        });

        Print(results, settings);
        var targets = Targets(results);
        ConsoleReport.Targets(targets);
        var report = new BenchReport(
            "scale",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                settings.Sizes,
                Dim = settings.Dimensions,
                settings.Queries,
                settings.ExactQueries,
                settings.Warmup,
                settings.K,
                settings.Clusters,
                settings.Spread,
                settings.Threads,
                settings.Seed,
                Graph = $"USearch HNSW via Cloud.Unum.USearch 2.26.6: cosine over per-vector-scaled int8 codes, M {HnswVectorIndex.Connectivity}, efConstruction and efSearch by size (per entry: expansionAdd, expansionSearch; the candidate count when larger); candidates {FlatVectorIndex.CandidatesDescription}, re-scored with float32",
                Vectors = "ClusteredVectors: normalize(centre + spread·g), g Gaussian with expected length 1, centres uniform on the sphere, cluster per vector uniform; data and queries are separate draws",
            },
            results,
            targets);
        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return 0;
    }

    private static ScaleResult RunSize(ProgressContext ctx, ClusteredVectors vectors, int n, ScaleSettings settings, CancellationToken cancellationToken)
    {
        int dim = settings.Dimensions;
        var sizeWall = Stopwatch.StartNew();
        double? loadBefore = LoadAverage();
        string label = n.ToString("N0", CultureInfo.InvariantCulture);

        // 1. Ingest: normalize + quantize + copy into the index, timed without the generation of the vectors.
        using var index = new FlatVectorIndex(dim, initialCapacity: n + 1024, approximateThreshold: int.MaxValue);
        var ingest = ctx.AddTask($"{label}: ingest", maxValue: n);
        var data = new Random(settings.Seed + n);
        const int Chunk = 4096;
        var buffer = new float[Chunk * dim];
        long ingestTicks = 0;
        for (int start = 0; start < n; start += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int count = Math.Min(Chunk, n - start);
            for (int i = 0; i < count; i++)
            {
                vectors.Next(data, buffer.AsSpan(i * dim, dim));
            }

            long t0 = Stopwatch.GetTimestamp();
            for (int i = 0; i < count; i++)
            {
                index.Add(FlatVectorIndex.Prepare(buffer.AsSpan(i * dim, dim)));
            }

            ingestTicks += Stopwatch.GetTimestamp() - t0;
            ingest.Increment(count);
        }

        ingest.StopTask();
        double ingestSeconds = ingestTicks / (double)Stopwatch.Frequency;

        // Queries: separate draws from the same clusters.
        var queryRandom = new Random(settings.Seed + n + 1);
        var queries = new float[settings.Warmup + settings.Queries][];
        for (int q = 0; q < queries.Length; q++)
        {
            queries[q] = new float[dim];
            vectors.Next(queryRandom, queries[q]);
        }

        var warm = queries.AsSpan(0, settings.Warmup).ToArray();
        var measured = queries.AsSpan(settings.Warmup).ToArray();
        int k = settings.K;

        // 2. Exact and quantized scans on the ground-truth subset (before the graph exists, as the index serves them).
        var scans = ctx.AddTask($"{label}: exact + quantized scans", maxValue: settings.ExactQueries * 2);
        foreach (var q in warm.Take(Math.Min(warm.Length, 10)))
        {
            index.SearchExact(q, k, null);
            index.SearchQuantized(q, k, null);
        }

        var truth = new HashSet<int>[settings.ExactQueries];
        var exactMs = new List<double>(settings.ExactQueries);
        var quantizedMs = new List<double>(settings.ExactQueries);
        var quantizedTop = new List<(int Slot, float Similarity)>[settings.ExactQueries];
        for (int q = 0; q < settings.ExactQueries; q++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            var exact = index.SearchExact(measured[q], k, null);
            exactMs.Add(Stats.Ms(t0, Stopwatch.GetTimestamp()));
            truth[q] = exact.Select(r => r.Slot).ToHashSet();
            scans.Increment(1);
        }

        for (int q = 0; q < settings.ExactQueries; q++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            quantizedTop[q] = index.SearchQuantized(measured[q], k, null);
            quantizedMs.Add(Stats.Ms(t0, Stopwatch.GetTimestamp()));
            scans.Increment(1);
        }

        scans.StopTask();

        // 3. Build the graph (resident memory measured around it, after full collections).
        double rssBeforeBuild = ResidentMb();
        double nativeBeforeBuild = NativeResidentMb();
        var build = ctx.AddTask($"{label}: build HNSW ({settings.Threads} threads)", maxValue: 1);
        build.IsIndeterminate = true;
        long b0 = Stopwatch.GetTimestamp();
        index.BuildApproximateIndex(settings.Threads);
        double buildSeconds = Stats.Ms(b0, Stopwatch.GetTimestamp()) / 1000.0;
        build.IsIndeterminate = false;
        build.Increment(1);
        build.StopTask();
        if (!index.IsApproximate)
        {
            throw new BenchException("The HNSW graph was not installed after the build.");
        }

        // 4. Approximate queries (the index's Search, which now goes through the graph).
        var ann = ctx.AddTask($"{label}: HNSW queries", maxValue: warm.Length + (measured.Length * 2));
        foreach (var q in warm)
        {
            index.Search(q, k, null);
            ann.Increment(1);
        }

        var annMs = new List<double>(measured.Length);
        long hits = 0;
        for (int q = 0; q < measured.Length; q++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long t0 = Stopwatch.GetTimestamp();
            var top = index.Search(measured[q], k, null);
            annMs.Add(Stats.Ms(t0, Stopwatch.GetTimestamp()));
            if (q < truth.Length)
            {
                hits += top.Count(r => truth[q].Contains(r.Slot));
            }

            ann.Increment(1);
        }

        var filteredMs = new List<double>(measured.Length);
        Func<int, bool> half = slot => (slot & 1) == 0;
        for (int q = 0; q < measured.Length; q++)
        {
            long t0 = Stopwatch.GetTimestamp();
            index.Search(measured[q], k, half);
            filteredMs.Add(Stats.Ms(t0, Stopwatch.GetTimestamp()));
            ann.Increment(1);
        }

        ann.StopTask();

        // 5. Memory, with the graph live and nothing else of size held but the query vectors.
        double rssMb = ResidentMb();
        double rssGrowthMb = rssMb - rssBeforeBuild;
        double rawMb = (double)n * dim * sizeof(float) / 1048576.0;
        double graphMb = index.GraphMemoryBytes / 1048576.0;
        double indexMb = (index.ArrayBytes / 1048576.0) + graphMb;
        double graphResidentMb = NativeResidentMb() - nativeBeforeBuild;
        double residentMb = (index.ArrayBytes / 1048576.0) + graphResidentMb;
        double graphDataMb = index.GraphDataBytes / 1048576.0;
        double dataRatio = ((index.ArrayBytes / 1048576.0) + graphDataMb) / rawMb;
        int expansionAdd = index.GraphExpansionAdd;
        int expansionSearch = index.GraphExpansionSearch;

        // 6. Restart with a persisted index: save the graph as the engine does, then give a fresh index the same
        // vectors and time the load of the saved graph until it is installed (the build is not repeated).
        var (saveSeconds, fileMb, loadSeconds, loadedHits) = SaveAndReload(ctx, index, label, measured, truth, k, cancellationToken);

        // 7. Inserts with the graph live (each one updates the graph), single thread.
        int extra = Math.Min(2000, Math.Max(100, n / 50));
        var adds = ctx.AddTask($"{label}: {extra:N0} inserts with the graph live", maxValue: extra);
        var extraVectors = new PreparedVector[extra];
        for (int i = 0; i < extra; i++)
        {
            vectors.Next(data, buffer.AsSpan(0, dim));
            extraVectors[i] = FlatVectorIndex.Prepare(buffer.AsSpan(0, dim));
        }

        long a0 = Stopwatch.GetTimestamp();
        foreach (var v in extraVectors)
        {
            index.Add(v);
            adds.Increment(1);
        }

        double addSeconds = Stats.Ms(a0, Stopwatch.GetTimestamp()) / 1000.0;
        adds.StopTask();

        var exactSummary = LatencySummary.FromMilliseconds(exactMs);
        var quantizedSummary = LatencySummary.FromMilliseconds(quantizedMs);
        var annSummary = LatencySummary.FromMilliseconds(annMs);
        int quantizedHits = 0;
        for (int q = 0; q < truth.Length; q++)
        {
            quantizedHits += quantizedTop[q].Count(r => truth[q].Contains(r.Slot));
        }

        return new ScaleResult(
            n,
            dim,
            Math.Round(n / ingestSeconds, 0),
            Math.Round(buildSeconds, 2),
            Math.Round(extra / addSeconds, 0),
            exactSummary.P50Ms,
            exactSummary.P95Ms,
            exactSummary.P99Ms,
            quantizedSummary.P50Ms,
            quantizedSummary.P99Ms,
            annSummary.P50Ms,
            annSummary.P95Ms,
            annSummary.P99Ms,
            LatencySummary.FromMilliseconds(filteredMs).P50Ms,
            Math.Round(hits / (double)(truth.Length * k), 4),
            Math.Round(quantizedHits / (double)(truth.Length * k), 4),
            truth.Length,
            measured.Length,
            Math.Round(rssMb, 1),
            Math.Round(rawMb, 1),
            Math.Round(indexMb, 1),
            Math.Round(indexMb / rawMb, 3),
            Math.Round(graphMb, 1),
            Math.Round(rssGrowthMb, 1),
            Math.Round(residentMb, 1),
            Math.Round(residentMb / rawMb, 3),
            Math.Round(graphDataMb, 1),
            Math.Round(dataRatio, 3),
            expansionAdd,
            expansionSearch,
            Math.Round(saveSeconds, 2),
            Math.Round(fileMb, 1),
            Math.Round(loadSeconds, 2),
            Math.Round(loadedHits / (double)(truth.Length * k), 4),
            loadBefore,
            LoadAverage(),
            Math.Round(sizeWall.Elapsed.TotalSeconds, 1));
    }

    private static (double SaveSeconds, double FileMb, double LoadSeconds, long Hits) SaveAndReload(
        ProgressContext ctx, FlatVectorIndex index, string label, float[][] measured, HashSet<int>[] truth, int k, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetTempPath(), "kmp-scale-" + Guid.NewGuid().ToString("N"));
        try
        {
            var files = new VectorGraphFiles(folder, "scale");
            var save = ctx.AddTask($"{label}: save the graph", maxValue: 1);
            long s0 = Stopwatch.GetTimestamp();
            var pending = files.Write(index) ?? throw new BenchException("No graph to save.");
            files.Commit(pending, index.Dimensions, sequence: 0);
            double saveSeconds = Stats.Ms(s0, Stopwatch.GetTimestamp()) / 1000.0;
            save.Increment(1);
            save.StopTask();
            double fileMb = Directory.GetFiles(folder).Sum(f => new FileInfo(f).Length) / 1048576.0;

            var reload = ctx.AddTask($"{label}: restart, load the saved graph", maxValue: 1);
            reload.IsIndeterminate = true;
            using var reloaded = new FlatVectorIndex(index.Dimensions, initialCapacity: index.Count + 1024, approximateThreshold: 2);
            for (int slot = 0; slot < index.Count; slot++)
            {
                reloaded.Add(index.Get(slot));
            }

            cancellationToken.ThrowIfCancellationRequested();
            long l0 = Stopwatch.GetTimestamp();
            reloaded.WarmUp(() => files.Open(index.Dimensions));
            ((IAsyncResult)reloaded.PendingBuild!).AsyncWaitHandle.WaitOne();
            reloaded.InstallPendingGraph();
            double loadSeconds = Stats.Ms(l0, Stopwatch.GetTimestamp()) / 1000.0;
            reload.IsIndeterminate = false;
            reload.Increment(1);
            reload.StopTask();
            if (reloaded.GraphLoads != 1)
            {
                throw new BenchException($"The saved graph was not loaded: {reloaded.LastGraphOutcome?.Rejected ?? "it was rebuilt"}.");
            }

            long hits = 0;
            for (int q = 0; q < truth.Length; q++)
            {
                hits += reloaded.Search(measured[q], k, null).Count(r => truth[q].Contains(r.Slot));
            }

            return (saveSeconds, fileMb, loadSeconds, hits);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static List<TargetCheck> Targets(List<ScaleResult> results)
    {
        var targets = new List<TargetCheck>();
        foreach (var r in results)
        {
            string at = r.N.ToString("N0", CultureInfo.InvariantCulture) + " × " + r.Dim;
            if (r.N >= 100_000 && r.N < 1_000_000)
            {
                double ratio = r.AnnP50Ms / r.ExactP50Ms;
                targets.Add(new($"HNSW p50 / exact scan p50 at {at}", "≤ 0.333", Math.Round(ratio, 3), "ratio", ratio <= 1.0 / 3));
                targets.Add(new($"HNSW recall@10 against exact at {at}", "≥ 0.95", r.AnnRecallAt10, "fraction", r.AnnRecallAt10 >= 0.95));
                targets.Add(new($"HNSW build at {at}", "< 30 s", r.BuildSeconds, "s", r.BuildSeconds < 30));
            }

            if (r.N >= 1_000_000)
            {
                targets.Add(new($"HNSW p50 at {at}", "< 10 ms", r.AnnP50Ms, "ms", r.AnnP50Ms < 10));
                targets.Add(new($"HNSW recall@10 against exact at {at}", "≥ 0.95", r.AnnRecallAt10, "fraction", r.AnnRecallAt10 >= 0.95));
            }

            targets.Add(new($"restart loads the saved graph instead of rebuilding it at {at}", "load < build", r.LoadSeconds, "s", r.LoadSeconds < r.BuildSeconds && r.LoadedRecallAt10 >= r.AnnRecallAt10 - 0.01));
            targets.Add(new($"index memory / raw float32 size at {at}, USearch's accounting", "≤ 1.5", r.MemoryRatio, "ratio", r.MemoryRatio <= 1.5));
            targets.Add(new($"index memory / raw float32 size at {at}, resident", "≤ 1.5", r.ResidentRatio, "ratio", r.ResidentRatio <= 1.5));
        }

        return targets;
    }

    private static void Print(List<ScaleResult> results, ScaleSettings settings)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]vector index at scale[/] ({settings.Dimensions} dimensions, k = {settings.K})");
        foreach (var column in new[] { "n", "ingest/s", "build s", "load s", "exact p50", "exact p99", "int8 p50", "hnsw p50", "hnsw p95", "hnsw p99", "hnsw ½-filter p50", "recall@k", "inserts/s (graph)", "index MB (× raw)", "resident MB (× raw)", "RSS MB", "load" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in results)
        {
            table.AddRow(
                r.N.ToString("N0", CultureInfo.InvariantCulture),
                r.IngestPerSec.ToString("N0", CultureInfo.InvariantCulture),
                r.BuildSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.LoadSeconds.ToString("0.00", CultureInfo.InvariantCulture),
                Ms(r.ExactP50Ms),
                Ms(r.ExactP99Ms),
                Ms(r.QuantizedP50Ms),
                Ms(r.AnnP50Ms),
                Ms(r.AnnP95Ms),
                Ms(r.AnnP99Ms),
                Ms(r.AnnFilteredP50Ms),
                r.AnnRecallAt10.ToString("0.000", CultureInfo.InvariantCulture),
                r.GraphAddPerSec.ToString("N0", CultureInfo.InvariantCulture),
                $"{r.IndexMb:N0} ({r.MemoryRatio:0.00})",
                $"{r.ResidentMb:N0} ({r.ResidentRatio:0.00})",
                r.RssMb.ToString("N0", CultureInfo.InvariantCulture),
                $"{r.LoadAverageBefore:0.0}→{r.LoadAverageAfter:0.0}");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]exact = float32 scan; int8 = quantized scan + float32 re-scoring; hnsw = graph candidates re-scored with float32; ms per query, one thread.[/]");

        static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture) + " ms";
    }

    /// <summary>Anonymous resident memory outside the GC heap (RssAnon − GC committed bytes), after a full GC; NaN where /proc is missing.</summary>
    private static double NativeResidentMb()
    {
        ResidentMb();
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("RssAnon:", StringComparison.Ordinal))
                {
                    double kb = double.Parse(line["RssAnon:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                    return (kb / 1024.0) - (GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return double.NaN;
    }

    private static double ResidentMb()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();

        // An aggressive collection also returns the freed regions to the OS at once. Without it the regions freed
        // by the collection (the int8 codes the index drops when the graph takes over: 38 MB at 100k) stay resident
        // while the GC decommits them gradually, yet no longer count as committed, so RssAnon − committed charged
        // them to the graph (1.70 × instead of 1.44 × at 100k).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64 / 1048576.0;
    }

    private static double? LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static bool TryParseSizes(string text, out List<int> sizes, out string error)
    {
        sizes = [];
        error = "";
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var digits = part.Replace("_", "", StringComparison.Ordinal);
            int multiplier = 1;
            if (digits.EndsWith('k') || digits.EndsWith('K'))
            {
                multiplier = 1000;
                digits = digits[..^1];
            }
            else if (digits.EndsWith('m') || digits.EndsWith('M'))
            {
                multiplier = 1_000_000;
                digits = digits[..^1];
            }

            if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || (long)value * multiplier < 1000 || (long)value * multiplier > 5_000_000)
            {
                error = $"--n: '{part}' is not a size from 1000 to 5000000 (write sizes like 10000,100000 or 10k,1m).";
                return false;
            }

            sizes.Add(value * multiplier);
        }

        if (sizes.Count == 0)
        {
            error = "--n needs at least one size, e.g. --n 10000,100000.";
            return false;
        }

        return true;
    }
}
