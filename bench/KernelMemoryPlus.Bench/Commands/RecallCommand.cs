using System.CommandLine;
using System.Diagnostics;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>The options of <c>recall</c>.</summary>
/// <param name="N">Memories in the namespace.</param>
/// <param name="Queries">Measured queries per variant.</param>
/// <param name="Warmup">Warm-up queries per variant (not measured).</param>
/// <param name="Limit">Results per recall.</param>
/// <param name="Store">sqlite or inmemory.</param>
/// <param name="TypoRate">Share of queries with a typo.</param>
/// <param name="Seed">Corpus seed.</param>
/// <param name="AccessFlushSeconds">The engine's AccessFlushInterval, in seconds.</param>
/// <param name="Json">Where to write the JSON report, or null.</param>
internal sealed record RecallSettings(int N, int Queries, int Warmup, int Limit, string Store, double TypoRate, int Seed, int AccessFlushSeconds, string? Json);

/// <summary>The latencies of one way of recalling (or of embedding the query alone).</summary>
/// <param name="Variant">Short name.</param>
/// <param name="Description">What exactly was called.</param>
/// <param name="Latency">Wall-clock latency per call.</param>
/// <param name="ThreadCpu">CPU time of the calling thread per call (null when unavailable).</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated by the calling thread per call.</param>
/// <param name="GcPauseMicrosecondsPerCall">GC pause time during the measured calls, per call.</param>
/// <param name="Gen0Collections">Gen-0 GCs during the measured calls.</param>
/// <param name="Gen2Collections">Gen-2 GCs during the measured calls.</param>
/// <param name="MeanResults">Mean number of results (recall variants).</param>
/// <param name="SourceInResults">Share of queries whose source memory is among the results (a sanity check, not a quality benchmark).</param>
internal sealed record RecallVariantResult(
    string Variant,
    string Description,
    LatencySummary Latency,
    LatencySummary? ThreadCpu,
    double AllocatedBytesPerCall,
    double GcPauseMicrosecondsPerCall,
    int Gen0Collections,
    int Gen2Collections,
    double? MeanResults,
    double? SourceInResults);

/// <summary>What <c>recall</c> measured.</summary>
/// <param name="Store">The store.</param>
/// <param name="StoreSettings">How it was configured.</param>
/// <param name="Memories">Memories in the namespace.</param>
/// <param name="SetupIngestSeconds">Time to store them with RememberManyAsync (the engine embedding each content).</param>
/// <param name="SetupIngestPerSecond">The same, as memories per second.</param>
/// <param name="ColdIndexLoadMs">First recall after <see cref="MemoryEngine.UnloadNamespaceAsync"/>: loads the namespace index from the store.</param>
/// <param name="JitWarmupRounds">Rounds of warm-up queries through every variant before measuring (until stable).</param>
/// <param name="QueriesWithTypo">How many measured queries carry a typo.</param>
/// <param name="Variants">One entry per recall variant, then the embedder alone.</param>
/// <param name="EngineP50ExcludingEmbeddingMs">Default recall p50 minus embedding p50: roughly what the engine itself costs.</param>
internal sealed record RecallResults(
    string Store,
    string StoreSettings,
    int Memories,
    double SetupIngestSeconds,
    double SetupIngestPerSecond,
    double ColdIndexLoadMs,
    int JitWarmupRounds,
    int QueriesWithTypo,
    IReadOnlyList<RecallVariantResult> Variants,
    double EngineP50ExcludingEmbeddingMs);

/// <summary>
/// <c>recall</c>: in-process latency of <see cref="MemoryEngine.RecallAsync"/> over a namespace of memories with
/// real text embedded by the offline embedder, with the query embedding measured separately.
/// </summary>
internal static class RecallCommand
{
    private const string Namespace = "bench-recall";

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var n = CommonOptions.Int("--n", "Memories in the namespace.", 10_000, 1, 1_000_000);
        var queries = CommonOptions.Int("--queries", "Measured recall queries per variant.", 1000, 1, 1_000_000);
        var warmup = CommonOptions.Int("--warmup", "Warm-up queries per variant, not measured.", 100, 0, 100_000);
        var limit = CommonOptions.Int("--limit", "Results per recall (RecallQuery.Limit).", 10, 1, 1000);
        var store = CommonOptions.Choice("--store", "Store behind the engine: sqlite or inmemory (recall reads the engine's hot index either way).", "sqlite", "sqlite", "inmemory");
        var typos = CommonOptions.Fraction("--typo-rate", "Share of queries with one typo.", 0.25);
        var seed = CommonOptions.Seed();
        var flush = CommonOptions.Int("--access-flush-seconds", "The engine's AccessFlushInterval: how often access statistics gathered by recalls are written to the store (engine default 5).", 5, 1, 86_400);
        var json = CommonOptions.Json();

        var command = new Command("recall", "In-process recall latency (p50/p95/p99) over a namespace of offline-embedded memories, with the query embedding timed separately.")
        {
            n, queries, warmup, limit, store, typos, seed, flush, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "recall",
            ct => RunAsync(
                new RecallSettings(
                    parse.GetValue(n),
                    parse.GetValue(queries),
                    parse.GetValue(warmup),
                    parse.GetValue(limit),
                    parse.GetValue(store)!,
                    parse.GetValue(typos),
                    parse.GetValue(seed),
                    parse.GetValue(flush),
                    parse.GetValue(json)),
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(RecallSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        var kind = Stores.Parse(settings.Store)[0];

        var corpus = new SyntheticCorpus(settings.Seed);
        var items = corpus.Generate(settings.N);
        var warmupQueries = corpus.Questions(items, settings.Warmup, settings.TypoRate, streamSeed: 1);
        var measuredQueries = corpus.Questions(items, settings.Queries, settings.TypoRate, streamSeed: 2);
        AnsiConsole.MarkupLine($"[grey]{settings.N:N0} memories (mean {items.Average(i => i.Content.Length):0} chars); {settings.Queries:N0} queries, {measuredQueries.Count(q => q.HasTypo)} with a typo, e.g. \"{Markup.Escape(measuredQueries[0].Text)}\"[/]");

        using var folder = new ScratchFolder();
        var store = Stores.Create(kind, folder, "recall");
        var embedder = new OfflineEmbeddingGenerator();
        IEmbeddingGenerator<string, Embedding<float>> embedderInterface = embedder;
        var engine = new MemoryEngine(store, embedder, Options.Create(new KernelMemoryPlusOptions { AccessFlushInterval = TimeSpan.FromSeconds(settings.AccessFlushSeconds) }));
        RecallResults results;
        try
        {
            await engine.InitializeAsync(cancellationToken);
            var ids = new string[items.Count];
            double ingestSeconds = 0, coldLoadMs = 0;
            int jitRounds = 0;
            var variants = new List<RecallVariantResult>();

            await ConsoleReport.Progress().StartAsync(async ctx =>
            {
                // 1. Store the corpus; the engine embeds every content with the offline embedder.
                var ingest = ctx.AddTask($"store {settings.N:N0} memories (engine embeds)", maxValue: items.Count);
                var baseTime = DateTimeOffset.UtcNow;
                long t0 = Stopwatch.GetTimestamp();
                for (int start = 0; start < items.Count; start += 1000)
                {
                    var batch = items.Skip(start).Take(1000).Select(item => new NewMemory
                    {
                        Namespace = Namespace,
                        Content = item.Content,
                        Tags = item.Tags,
                        Metadata = item.Metadata,
                        Importance = item.Importance,
                        OccurredAt = baseTime.AddMinutes(-item.AgeMinutes),
                    }).ToList();
                    var stored = await engine.RememberManyAsync(batch, cancellationToken);
                    for (int i = 0; i < stored.Count; i++)
                    {
                        ids[start + i] = stored[i].Id;
                    }

                    ingest.Increment(batch.Count);
                }

                ingestSeconds = Stats.Ms(t0, Stopwatch.GetTimestamp()) / 1000.0;
                ingest.StopTask();

                // 2. Cold start: drop the hot index, time the first recall (it reloads the namespace from the store).
                await engine.UnloadNamespaceAsync(Namespace, cancellationToken);
                var cold = ctx.AddTask("cold index load (first recall)", maxValue: 1);
                long c0 = Stopwatch.GetTimestamp();
                await engine.RecallAsync(new RecallQuery { Namespace = Namespace, Text = warmupQueries.FirstOrDefault()?.Text ?? "hello", Limit = settings.Limit, TrackAccess = false }, cancellationToken);
                coldLoadMs = Stats.Ms(c0, Stopwatch.GetTimestamp());
                cold.Increment(1);
                cold.StopTask();

                // 3. The recall variants, then the embedder alone.
                var definitions = new (string Name, string Description, Func<string, RecallQuery> Query)[]
                {
                    ("default", $"RecallAsync, default settings (TrackAccess=true, Explain=true), Limit={settings.Limit}", text => new RecallQuery { Namespace = Namespace, Text = text, Limit = settings.Limit }),
                    ("trackAccess=false", "RecallAsync with TrackAccess=false", text => new RecallQuery { Namespace = Namespace, Text = text, Limit = settings.Limit, TrackAccess = false }),
                    ("explain=false", "RecallAsync with Explain=false", text => new RecallQuery { Namespace = Namespace, Text = text, Limit = settings.Limit, Explain = false }),
                    ("both off", "RecallAsync with TrackAccess=false and Explain=false", text => new RecallQuery { Namespace = Namespace, Text = text, Limit = settings.Limit, TrackAccess = false, Explain = false }),
                };

                // JIT warm-up: tiered compilation promotes hot methods to optimized code on a background thread, which
                // a loaded machine starves; 100 queries are then not enough and the first variant measured would pay
                // for it. Rounds of the warm-up queries through every variant continue until the default variant's
                // median is stable (within 10 % of the previous round), at most 12 rounds.
                var jit = ctx.AddTask("JIT warm-up (all variants, until stable)", maxValue: 12);
                double previous = double.NaN;
                for (int round = 1; round <= 12 && warmupQueries.Count > 0; round++)
                {
                    var roundMs = new List<double>(warmupQueries.Count);
                    foreach (var (_, _, makeQuery) in definitions)
                    {
                        foreach (var question in warmupQueries)
                        {
                            long q0 = Stopwatch.GetTimestamp();
                            await engine.RecallAsync(makeQuery(question.Text), cancellationToken);
                            if (ReferenceEquals(makeQuery, definitions[0].Query))
                            {
                                roundMs.Add(Stats.Ms(q0, Stopwatch.GetTimestamp()));
                            }
                        }
                    }

                    jitRounds = round;
                    jit.Value = round;
                    double median = roundMs.Count > 0 ? Stats.Median(roundMs) : 0;
                    if (round >= 3 && Math.Abs(median - previous) <= 0.1 * previous)
                    {
                        break;
                    }

                    previous = median;
                    await Task.Delay(200, cancellationToken);
                }

                jit.Value = jit.MaxValue;
                jit.StopTask();

                foreach (var (name, description, makeQuery) in definitions)
                {
                    var task = ctx.AddTask($"recall: {name}", maxValue: warmupQueries.Count + measuredQueries.Count);
                    var sourceHits = 0;
                    long resultCount = 0;
                    var measurement = await QueryTimer.MeasureAsync(task, warmupQueries, measuredQueries, async (question, measured) =>
                    {
                        var results = await engine.RecallAsync(makeQuery(question.Text), cancellationToken);
                        if (measured)
                        {
                            resultCount += results.Count;
                            var sourceId = ids[question.SourceIndex];
                            if (results.Any(r => r.Memory.Id == sourceId))
                            {
                                sourceHits++;
                            }
                        }
                    });
                    variants.Add(new RecallVariantResult(
                        name,
                        description,
                        measurement.Latency,
                        measurement.ThreadCpu,
                        measurement.AllocatedBytesPerCall,
                        measurement.GcPauseMicrosecondsPerCall,
                        measurement.Gen0,
                        measurement.Gen2,
                        Math.Round((double)resultCount / measuredQueries.Count, 2),
                        Math.Round((double)sourceHits / measuredQueries.Count, 3)));
                }

                var embedTask = ctx.AddTask("embed query only (offline embedder)", maxValue: warmupQueries.Count + measuredQueries.Count);
                var embedOnly = await QueryTimer.MeasureAsync(embedTask, warmupQueries, measuredQueries, async (question, _) =>
                    await embedderInterface.GenerateVectorAsync(question.Text, cancellationToken: cancellationToken));
                variants.Add(new RecallVariantResult(
                    "embed only",
                    "IEmbeddingGenerator.GenerateVectorAsync(query) of the offline embedder, as the engine calls it",
                    embedOnly.Latency,
                    embedOnly.ThreadCpu,
                    embedOnly.AllocatedBytesPerCall,
                    embedOnly.GcPauseMicrosecondsPerCall,
                    embedOnly.Gen0,
                    embedOnly.Gen2,
                    null,
                    null));
            });

            var stats = await engine.GetStatsAsync(Namespace, cancellationToken);
            if (stats.Memories != settings.N)
            {
                throw new BenchException($"The engine reports {stats.Memories} memories after storing {settings.N}.");
            }

            results = new RecallResults(
                Stores.Name(kind),
                Stores.Describe(kind),
                settings.N,
                Math.Round(ingestSeconds, 3),
                Math.Round(settings.N / ingestSeconds, 1),
                Math.Round(coldLoadMs, 1),
                jitRounds,
                measuredQueries.Count(q => q.HasTypo),
                variants,
                Math.Round(variants[0].Latency.P50Ms - variants[^1].Latency.P50Ms, 4));
        }
        finally
        {
            await engine.DisposeAsync();
            store.Dispose();
        }

        Print(results, settings);
        var defaultP50 = results.Variants[0].Latency.P50Ms;
        var targets = new List<TargetCheck>
        {
            new($"recall p50 at {settings.N:N0} memories, in process, default settings, Limit {settings.Limit} ({results.Store})", "< 2 ms", defaultP50, "ms", defaultP50 < 2.0),
        };
        ConsoleReport.Targets(targets);

        var report = new BenchReport(
            "recall",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                settings.N,
                settings.Queries,
                settings.Warmup,
                settings.Limit,
                settings.Store,
                settings.TypoRate,
                settings.Seed,
                Namespace,
                Embedder = $"{embedder.ModelId} ({embedder.Dimensions} dimensions)",
                EngineOptions = $"KernelMemoryPlusOptions defaults (CandidateMultiplier 8) with AccessFlushInterval {settings.AccessFlushSeconds} s",
                StoreSettings = Stores.Describe(kind),
                ThreadCpuTimeAvailable = ThreadCpuTime.IsAvailable,
            },
            results,
            targets);
        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return 0;
    }

    private static void Print(RecallResults results, RecallSettings settings)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"recall over {results.Memories:N0} memories ({results.Store}), {settings.Queries:N0} queries, Limit {settings.Limit}: ms")
            .Caption(Markup.Escape($"{results.StoreSettings}. cpu = calling thread's CPU time."));
        table.AddColumn("variant");
        foreach (var column in new[] { "p50", "p95", "p99", "mean", "cpu p50", "cpu p99", "KB/q", "GC µs/q", "hit" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var v in results.Variants)
        {
            table.AddRow(
                Markup.Escape(v.Variant),
                v.Variant == "default" ? $"[bold]{v.Latency.P50Ms:0.000}[/]" : $"{v.Latency.P50Ms:0.000}",
                $"{v.Latency.P95Ms:0.000}",
                $"{v.Latency.P99Ms:0.000}",
                $"{v.Latency.MeanMs:0.000}",
                v.ThreadCpu is { } c ? $"{c.P50Ms:0.000}" : "-",
                v.ThreadCpu is { } d ? $"{d.P99Ms:0.000}" : "-",
                $"{v.AllocatedBytesPerCall / 1024:0.0}",
                $"{v.GcPauseMicrosecondsPerCall:0.0}",
                v.SourceInResults is double hit ? $"{hit:P0}" : "-");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"[grey]setup: stored {results.Memories:N0} memories with embedding in {results.SetupIngestSeconds:0.00} s ({results.SetupIngestPerSecond:N0}/s); cold index load {results.ColdIndexLoadMs:0.0} ms; JIT warm-up rounds {results.JitWarmupRounds}; default p50 minus embedding p50 ≈ {results.EngineP50ExcludingEmbeddingMs:0.000} ms[/]");
        AnsiConsole.MarkupLine("[grey]hit = share of queries whose source memory is among the results (sanity check).[/]");
    }
}
