using KernelMemoryPlus.Internal;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>The options of <c>ingest</c>.</summary>
/// <param name="N">Memories per measured run.</param>
/// <param name="Dimensions">Vector dimensions.</param>
/// <param name="Batch">Memories per <c>RememberManyAsync</c> / <c>UpsertAsync</c> call.</param>
/// <param name="Store">sqlite, inmemory or both.</param>
/// <param name="Runs">Measured runs per path and store (the median is reported).</param>
/// <param name="WarmupN">Memories in the warm-up run.</param>
/// <param name="Seed">Corpus seed.</param>
/// <param name="SqliteFloor">Also measure plain Microsoft.Data.Sqlite inserts into the connector's schema (and without FTS5 / indexes).</param>
/// <param name="Json">Where to write the JSON report, or null.</param>
internal sealed record IngestSettings(int N, int Dimensions, int Batch, string Store, int Runs, int WarmupN, int Seed, bool SqliteFloor, string? Json);

/// <summary>One measured (or warm-up) ingest run.</summary>
/// <param name="Path">"engine" (MemoryEngine.RememberManyAsync), "connector" (VectorStoreCollection.UpsertAsync) or a SQLite floor variant (plain Microsoft.Data.Sqlite).</param>
/// <param name="Store">The store.</param>
/// <param name="Run">Run number (0 = warm-up).</param>
/// <param name="Memories">Memories written.</param>
/// <param name="Seconds">Wall time of the writes.</param>
/// <param name="MemoriesPerSecond">Throughput.</param>
/// <param name="MicrosecondsPerMemory">Wall time per memory.</param>
/// <param name="CpuSeconds">Process CPU time (all threads) during the writes.</param>
/// <param name="MemoriesPerCpuSecond">Memories per second of process CPU time: less sensitive than wall time to other load on the machine.</param>
/// <param name="AllocatedBytesPerMemory">Managed bytes allocated per memory during the writes.</param>
/// <param name="Gen0Collections">Gen-0 GCs during the writes.</param>
/// <param name="Gen2Collections">Gen-2 GCs during the writes.</param>
/// <param name="GcPauseMicrosecondsPerMemory">Time the runtime was paused for garbage collection during the writes, per memory.</param>
/// <param name="BatchLatency">Latency of one batch call.</param>
/// <param name="StoreBytes">Size of the store's files after the run (SQLite only).</param>
/// <param name="StoreCallsMicrosecondsPerMemory">
/// Engine path only: wall time the engine spent inside each store operation ("collection.operation"), per memory,
/// measured by a pass-through store wrapper; the rest of the run's time is the engine's own work.
/// </param>
internal sealed record IngestRun(
    string Path,
    string Store,
    int Run,
    int Memories,
    double Seconds,
    double MemoriesPerSecond,
    double MicrosecondsPerMemory,
    double CpuSeconds,
    double MemoriesPerCpuSecond,
    double AllocatedBytesPerMemory,
    int Gen0Collections,
    int Gen2Collections,
    double GcPauseMicrosecondsPerMemory,
    LatencySummary BatchLatency,
    long? StoreBytes,
    IReadOnlyDictionary<string, double>? StoreCallsMicrosecondsPerMemory = null);

/// <summary>The medians of one store.</summary>
/// <param name="Store">The store.</param>
/// <param name="StoreSettings">How the store was configured.</param>
/// <param name="EngineMedianPerSecond">Median throughput of the engine path.</param>
/// <param name="ConnectorMedianPerSecond">Median throughput of the raw connector path (the baseline).</param>
/// <param name="EngineToConnectorRatio">Engine throughput divided by connector throughput (1 = no overhead).</param>
/// <param name="EngineMedianPerCpuSecond">Median memories per process CPU-second, engine path.</param>
/// <param name="ConnectorMedianPerCpuSecond">Median memories per process CPU-second, connector path.</param>
/// <param name="EngineOverheadMicrosecondsPerMemory">Extra wall time per memory on the engine path.</param>
/// <param name="MedianPerSecondByPath">Median throughput of every measured path (engine, connector, SQLite floor variants).</param>
/// <param name="Runs">Every run, warm-ups included.</param>
internal sealed record IngestStoreResult(
    string Store,
    string StoreSettings,
    double EngineMedianPerSecond,
    double ConnectorMedianPerSecond,
    double EngineToConnectorRatio,
    double EngineMedianPerCpuSecond,
    double ConnectorMedianPerCpuSecond,
    double EngineOverheadMicrosecondsPerMemory,
    IReadOnlyDictionary<string, double> MedianPerSecondByPath,
    IReadOnlyList<IngestRun> Runs);

/// <summary>
/// <c>ingest</c>: batched writes of synthetic memories with precomputed vectors through the engine's public
/// <see cref="MemoryEngine.RememberManyAsync"/>, against the raw connector path measured in the same run.
/// </summary>
internal static class IngestCommand
{
    private const string Namespace = "bench-ingest";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var n = CommonOptions.Int("--n", "Memories per measured run.", 20_000, 1, 2_000_000);
        var dim = CommonOptions.Int("--dim", "Vector dimensions (the offline embedder is configured to match).", 384, 16, 8192);
        var batch = CommonOptions.Int("--batch", "Memories per RememberManyAsync / UpsertAsync call (the engine's MaxBatchSize is 10000).", 1000, 1, 10_000);
        var store = CommonOptions.Choice("--store", "Store to write into: sqlite, inmemory or both.", "sqlite", "sqlite", "inmemory", "both");
        var runs = CommonOptions.Int("--runs", "Measured runs per path and store; the median is reported.", 3, 1, 50);
        var warmup = CommonOptions.Int("--warmup-n", "Memories in the warm-up run of each path (0 skips it). The default, 20 batches of 1,000, is what the JIT needs to reach its optimized code for the per-batch methods; with 2,000 the first measured run was half as fast.", 20_000, 0, 2_000_000);
        var seed = CommonOptions.Seed();
        var floor = new Option<bool>("--sqlite-floor")
        {
            Description = "Also measure the floor under the SQLite connector: plain Microsoft.Data.Sqlite prepared inserts of the same rows into the connector's schema, and without its FTS5 index / secondary indexes.",
        };
        var json = CommonOptions.Json();

        var command = new Command("ingest", "Batched ingest throughput: engine RememberManyAsync with precomputed vectors vs. the raw connector UpsertAsync.")
        {
            n, dim, batch, store, runs, warmup, seed, floor, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "ingest",
            ct => RunAsync(
                new IngestSettings(
                    parse.GetValue(n),
                    parse.GetValue(dim),
                    parse.GetValue(batch),
                    parse.GetValue(store)!,
                    parse.GetValue(runs),
                    parse.GetValue(warmup),
                    parse.GetValue(seed),
                    parse.GetValue(floor),
                    parse.GetValue(json)),
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(IngestSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        var kinds = Stores.Parse(settings.Store);

        AnsiConsole.MarkupLine($"Generating {settings.N:N0} synthetic memories with seeded {settings.Dimensions}-d unit vectors (seed {settings.Seed})...");
        var corpus = new SyntheticCorpus(settings.Seed);
        int total = Math.Max(settings.N, settings.WarmupN);
        var items = corpus.Generate(total);
        var vectors = corpus.Vectors(total, settings.Dimensions);
        var baseTime = DateTimeOffset.UtcNow;
        AnsiConsole.MarkupLine($"[grey]content length: mean {items.Average(i => i.Content.Length):0} chars, min {items.Min(i => i.Content.Length)}, max {items.Max(i => i.Content.Length)}; tags per memory {items.Average(i => i.Tags.Length):0.00}[/]");

        var results = new List<IngestStoreResult>();
        await ConsoleReport.Progress().StartAsync(async ctx =>
        {
            foreach (var kind in kinds)
            {
                var runs = new List<IngestRun>();
                if (settings.WarmupN > 0)
                {
                    runs.Add(await MeasureEngineAsync(ctx, kind, settings, items, vectors, settings.WarmupN, 0, baseTime, cancellationToken));
                    runs.Add(await MeasureConnectorAsync(ctx, kind, settings, items, vectors, settings.WarmupN, 0, baseTime, cancellationToken));
                }

                ConnectorSchema? schema = null;
                if (settings.SqliteFloor && kind == StoreKind.Sqlite)
                {
                    using var schemaFolder = new ScratchFolder();
                    schema = await SqliteFloor.ReadConnectorSchemaAsync(schemaFolder, settings.Dimensions, cancellationToken);
                    if (settings.WarmupN > 0)
                    {
                        runs.Add(MeasureFloor(ctx, schema, FloorVariant.ConnectorSchema, settings, items, vectors, settings.WarmupN, 0, baseTime));
                    }
                }

                for (int run = 1; run <= settings.Runs; run++)
                {
                    // Alternate the order so that drift in the machine's load does not favour one path.
                    if (run % 2 == 1)
                    {
                        runs.Add(await MeasureEngineAsync(ctx, kind, settings, items, vectors, settings.N, run, baseTime, cancellationToken));
                        runs.Add(await MeasureConnectorAsync(ctx, kind, settings, items, vectors, settings.N, run, baseTime, cancellationToken));
                    }
                    else
                    {
                        runs.Add(await MeasureConnectorAsync(ctx, kind, settings, items, vectors, settings.N, run, baseTime, cancellationToken));
                        runs.Add(await MeasureEngineAsync(ctx, kind, settings, items, vectors, settings.N, run, baseTime, cancellationToken));
                    }

                    if (schema is not null)
                    {
                        foreach (var variant in Enum.GetValues<FloorVariant>())
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            runs.Add(MeasureFloor(ctx, schema, variant, settings, items, vectors, settings.N, run, baseTime));
                        }
                    }
                }

                double engine = Stats.Median(runs.Where(r => r.Run > 0 && r.Path == "engine").Select(r => r.MemoriesPerSecond));
                double connector = Stats.Median(runs.Where(r => r.Run > 0 && r.Path == "connector").Select(r => r.MemoriesPerSecond));
                results.Add(new IngestStoreResult(
                    Stores.Name(kind),
                    Stores.Describe(kind),
                    Math.Round(engine, 1),
                    Math.Round(connector, 1),
                    Math.Round(engine / connector, 3),
                    Math.Round(Stats.Median(runs.Where(r => r.Run > 0 && r.Path == "engine").Select(r => r.MemoriesPerCpuSecond)), 1),
                    Math.Round(Stats.Median(runs.Where(r => r.Run > 0 && r.Path == "connector").Select(r => r.MemoriesPerCpuSecond)), 1),
                    Math.Round((1e6 / engine) - (1e6 / connector), 2),
                    runs.Where(r => r.Run > 0).GroupBy(r => r.Path).ToDictionary(g => g.Key, g => Math.Round(Stats.Median(g.Select(r => r.MemoriesPerSecond)), 1), StringComparer.Ordinal),
                    runs));
            }
        });

        foreach (var result in results)
        {
            PrintStore(result, settings);
        }

        var targets = new List<TargetCheck>();
        if (results.FirstOrDefault(r => r.Store == "sqlite") is { } sqlite)
        {
            targets.Add(new TargetCheck(
                $"batched ingest, precomputed {settings.Dimensions}-d vectors, SQLite (median of {settings.Runs})",
                "≥ 20000 memories/s",
                sqlite.EngineMedianPerSecond,
                "memories/s",
                sqlite.EngineMedianPerSecond >= 20_000));
        }

        ConsoleReport.Targets(targets);
        var report = new BenchReport(
            "ingest",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                settings.N,
                settings.Dimensions,
                settings.Batch,
                settings.Store,
                settings.Runs,
                settings.WarmupN,
                settings.Seed,
                settings.SqliteFloor,
                Namespace,
                Embedder = $"{OfflineEmbeddingGenerator.DefaultModelId} (vectors precomputed; the embedder is not called)",
                EngineOptions = "KernelMemoryPlusOptions defaults",
                Stores = kinds.Select(Stores.Describe).ToList(),
            },
            results,
            targets);
        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return 0;
    }

    private static async Task<IngestRun> MeasureEngineAsync(
        ProgressContext ctx,
        StoreKind kind,
        IngestSettings settings,
        List<CorpusItem> items,
        float[][] vectors,
        int count,
        int run,
        DateTimeOffset baseTime,
        CancellationToken cancellationToken)
    {
        var task = ctx.AddTask($"{Stores.Name(kind)} engine    {(run == 0 ? "warm-up" : $"run {run}")}", maxValue: count);
        using var folder = new ScratchFolder();
        var store = Stores.Create(kind, folder, "engine");
        try
        {
            var embedder = new OfflineEmbeddingGenerator(new OfflineEmbeddingOptions { Dimensions = settings.Dimensions });
            var timed = new TimedVectorStore(store);
            var engine = new MemoryEngine(timed, embedder, Options.Create(new KernelMemoryPlusOptions()));
            try
            {
                await engine.InitializeAsync(cancellationToken);

                // Inputs are built before the clock starts: the harness measures the engine, not the generator.
                var batches = new List<NewMemory[]>();
                for (int start = 0; start < count; start += settings.Batch)
                {
                    var batch = new NewMemory[Math.Min(settings.Batch, count - start)];
                    for (int i = 0; i < batch.Length; i++)
                    {
                        var item = items[start + i];
                        batch[i] = new NewMemory
                        {
                            Namespace = Namespace,
                            Content = item.Content,
                            Tags = item.Tags,
                            Metadata = item.Metadata,
                            Importance = item.Importance,
                            OccurredAt = baseTime.AddMinutes(-item.AgeMinutes),
                            Embedding = vectors[start + i],
                            EmbeddingModel = embedder.ModelId,
                        };
                    }

                    batches.Add(batch);
                }

                timed.Reset();
                var timing = await TimeBatchesAsync(task, batches, b => engine.RememberManyAsync(b, cancellationToken));
                var storeCalls = timed.Stats
                    .OrderByDescending(p => p.Value.Milliseconds)
                    .ToDictionary(p => p.Key, p => Math.Round(p.Value.Milliseconds * 1000.0 / count, 2), StringComparer.Ordinal);
                storeCalls["(total in store)"] = Math.Round(timed.TotalMs * 1000.0 / count, 2);
                storeCalls["(engine's own work)"] = Math.Round((timing.Seconds * 1e6 / count) - (timed.TotalMs * 1000.0 / count), 2);
                storeCalls["(GC pauses, anywhere in the run)"] = Math.Round(timing.GcPauseMs * 1000.0 / count, 2);
                var stats = await engine.GetStatsAsync(Namespace, cancellationToken);
                if (stats.Memories != count)
                {
                    throw new BenchException($"The engine reports {stats.Memories} memories after writing {count}.");
                }

                return Finish("engine", kind, run, count, timing, kind == StoreKind.Sqlite ? folder.SizeBytes() : null) with { StoreCallsMicrosecondsPerMemory = storeCalls };
            }
            finally
            {
                await engine.DisposeAsync();
            }
        }
        finally
        {
            store.Dispose();
            task.StopTask();
        }
    }

    private static async Task<IngestRun> MeasureConnectorAsync(
        ProgressContext ctx,
        StoreKind kind,
        IngestSettings settings,
        List<CorpusItem> items,
        float[][] vectors,
        int count,
        int run,
        DateTimeOffset baseTime,
        CancellationToken cancellationToken)
    {
        var task = ctx.AddTask($"{Stores.Name(kind)} connector {(run == 0 ? "warm-up" : $"run {run}")}", maxValue: count);
        using var folder = new ScratchFolder();
        var store = Stores.Create(kind, folder, "connector");
        try
        {
            var collection = store.GetCollection<string, StoredMemory>("kmp_memories", StoredMemory.Definition(settings.Dimensions));
            await collection.EnsureCollectionExistsAsync(cancellationToken);
            var batches = RawBatches(items, vectors, count, settings.Batch, baseTime);
            var timing = await TimeBatchesAsync(task, batches, b => collection.UpsertAsync(b, cancellationToken));
            int stored = 0;
            await foreach (var _ in collection.GetAsync(r => r.Namespace == Namespace, int.MaxValue, cancellationToken: cancellationToken))
            {
                stored++;
            }

            if (stored != count)
            {
                throw new BenchException($"The connector holds {stored} records after writing {count}.");
            }

            return Finish("connector", kind, run, count, timing, kind == StoreKind.Sqlite ? folder.SizeBytes() : null);
        }
        finally
        {
            store.Dispose();
            task.StopTask();
        }
    }

    private static List<StoredMemory[]> RawBatches(List<CorpusItem> items, float[][] vectors, int count, int batchSize, DateTimeOffset baseTime)
    {
        long now = baseTime.ToUnixTimeMilliseconds();
        var batches = new List<StoredMemory[]>();
        for (int start = 0; start < count; start += batchSize)
        {
            var batch = new StoredMemory[Math.Min(batchSize, count - start)];
            for (int i = 0; i < batch.Length; i++)
            {
                var item = items[start + i];
                batch[i] = new StoredMemory
                {
                    Id = Guid.CreateVersion7(baseTime).ToString("N"),
                    Namespace = Namespace,
                    Kind = nameof(MemoryKind.Episodic),
                    Content = item.Content,
                    Tags = [.. item.Tags],
                    MetadataJson = JsonSerializer.Serialize(item.Metadata),
                    Importance = item.Importance,
                    CreatedAt = now,
                    UpdatedAt = now,
                    OccurredAt = baseTime.AddMinutes(-item.AgeMinutes).ToUnixTimeMilliseconds(),
                    Version = 1,
                    EmbeddingModel = OfflineEmbeddingGenerator.DefaultModelId,
                    Embedding = vectors[start + i],
                };
            }

            batches.Add(batch);
        }

        return batches;
    }

    private static IngestRun MeasureFloor(
        ProgressContext ctx,
        ConnectorSchema schema,
        FloorVariant variant,
        IngestSettings settings,
        List<CorpusItem> items,
        float[][] vectors,
        int count,
        int run,
        DateTimeOffset baseTime)
    {
        var name = SqliteFloor.Name(variant);
        var task = ctx.AddTask($"{name} {(run == 0 ? "warm-up" : $"run {run}")}", maxValue: count);
        using var folder = new ScratchFolder();
        var batches = RawBatches(items, vectors, count, settings.Batch, baseTime);
        var floor = SqliteFloor.Write(schema, variant, folder, batches, rows => task.Increment(rows));
        task.StopTask();
        var none = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        return Finish(name, StoreKind.Sqlite, run, count, new Timing(floor.Seconds, floor.CpuSeconds, floor.GcPauseMs, floor.AllocatedBytes, floor.Gen0, floor.Gen2, none), floor.FileBytes);
    }

    private static async Task<Timing> TimeBatchesAsync<T>(ProgressTask task, List<T[]> batches, Func<T[], Task> write)
    {
        // Start every run from a collected heap so one run's garbage is not paid by the next.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        int gen0 = GC.CollectionCount(0);
        int gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var pause = GC.GetTotalPauseDuration();
        var batchTicks = new List<long>(batches.Count);
        long start = Stopwatch.GetTimestamp();
        foreach (var batch in batches)
        {
            long t0 = Stopwatch.GetTimestamp();
            await write(batch);
            batchTicks.Add(Stopwatch.GetTimestamp() - t0);
            task.Increment(batch.Length);
        }

        long end = Stopwatch.GetTimestamp();
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        return new Timing(
            Stats.Ms(start, end) / 1000.0,
            cpuSeconds,
            (GC.GetTotalPauseDuration() - pause).TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(2) - gen2,
            LatencySummary.FromStopwatchTicks(batchTicks));
    }

    private static IngestRun Finish(string path, StoreKind kind, int run, int count, Timing timing, long? storeBytes) => new(
        path,
        Stores.Name(kind),
        run,
        count,
        Math.Round(timing.Seconds, 4),
        Math.Round(count / timing.Seconds, 1),
        Math.Round(timing.Seconds * 1e6 / count, 2),
        Math.Round(timing.CpuSeconds, 3),
        Math.Round(count / Math.Max(timing.CpuSeconds, 1e-6), 1),
        Math.Round((double)timing.AllocatedBytes / count, 0),
        timing.Gen0,
        timing.Gen2,
        Math.Round(timing.GcPauseMs * 1000.0 / count, 2),
        timing.Batches,
        storeBytes);

    private static void PrintStore(IngestStoreResult result, IngestSettings settings)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"ingest into {result.Store}: {settings.N:N0} memories, {settings.Dimensions}-d, batches of {settings.Batch}")
            .Caption(Markup.Escape($"{result.StoreSettings}. /s = memories per second (wall), /cpu-s = per process CPU-second, GC µs = GC pause per memory."));
        table.AddColumn("path");
        var measured = result.Runs.Where(r => r.Run > 0).Select(r => r.Run).Distinct().Order().ToList();
        foreach (var run in measured)
        {
            table.AddColumn(new TableColumn($"run {run}").RightAligned());
        }

        table.AddColumn(new TableColumn("median /s").RightAligned());
        table.AddColumn(new TableColumn("/cpu-s").RightAligned());
        table.AddColumn(new TableColumn("µs each").RightAligned());
        table.AddColumn(new TableColumn("KB each").RightAligned());
        table.AddColumn(new TableColumn("GC µs").RightAligned());
        table.AddColumn(new TableColumn("ratio").RightAligned());
        var paths = result.MedianPerSecondByPath.Keys.OrderBy(p => p == "engine" ? 0 : p == "connector" ? 1 : 2).ToList();
        foreach (var path in paths)
        {
            var runs = result.Runs.Where(r => r.Path == path && r.Run > 0).OrderBy(r => r.Run).ToList();
            double median = result.MedianPerSecondByPath[path];
            var cells = new List<string> { Markup.Escape(path) };
            cells.AddRange(runs.Select(r => ConsoleReport.Format(r.MemoriesPerSecond)));
            cells.Add($"[bold]{ConsoleReport.Format(median)}[/]");
            cells.Add(ConsoleReport.Format(Stats.Median(runs.Select(r => r.MemoriesPerCpuSecond))));
            cells.Add(ConsoleReport.Format(1e6 / median));
            cells.Add(ConsoleReport.Format(Stats.Median(runs.Select(r => r.AllocatedBytesPerMemory)) / 1024));
            cells.Add(ConsoleReport.Format(Stats.Median(runs.Select(r => r.GcPauseMicrosecondsPerMemory))));
            cells.Add($"{median / result.ConnectorMedianPerSecond:0.00}");
            table.AddRow(cells.ToArray());
        }

        AnsiConsole.Write(table);
        var breakdown = result.Runs.Where(r => r.Path == "engine" && r.Run > 0 && r.StoreCallsMicrosecondsPerMemory is not null).ToList();
        if (breakdown.Count > 0)
        {
            var parts = new Table().Border(TableBorder.Simple).Title("engine path: where the time goes (µs per memory, median of runs)");
            parts.AddColumn("part");
            parts.AddColumn(new TableColumn("µs/memory").RightAligned());
            foreach (var key in breakdown[0].StoreCallsMicrosecondsPerMemory!.Keys)
            {
                parts.AddRow(Markup.Escape(key), ConsoleReport.Format(Stats.Median(breakdown.Select(r => r.StoreCallsMicrosecondsPerMemory!.GetValueOrDefault(key)))));
            }

            AnsiConsole.Write(parts);
        }

        AnsiConsole.MarkupLine($"[grey]engine = MemoryEngine.RememberManyAsync; connector = VectorStoreCollection.UpsertAsync of an equivalent record (the baseline); sqlite floor = plain Microsoft.Data.Sqlite inserts into the connector's schema; ratio = throughput / connector throughput. Engine overhead: {result.EngineOverheadMicrosecondsPerMemory:0.0} µs per memory.[/]");
    }

    private sealed record Timing(double Seconds, double CpuSeconds, double GcPauseMs, long AllocatedBytes, int Gen0, int Gen2, LatencySummary Batches);
}
