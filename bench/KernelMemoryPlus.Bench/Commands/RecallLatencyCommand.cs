using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>The options of <c>recall-latency</c>.</summary>
/// <param name="Sizes">Namespace sizes (memories), one run each, in the given order.</param>
/// <param name="Queries">Measured queries per size.</param>
/// <param name="Warmup">Warm-up queries per round (not measured).</param>
/// <param name="Limit">Results per recall.</param>
/// <param name="Store">sqlite or inmemory.</param>
/// <param name="Seed">Corpus seed.</param>
/// <param name="SettleMaxSeconds">Longest wait for the engine's background work before measuring.</param>
/// <param name="Json">Where to write the JSON report, or null.</param>
internal sealed record RecallLatencySettings(IReadOnlyList<int> Sizes, int Queries, int Warmup, int Limit, string Store, int Seed, int SettleMaxSeconds, string? Json);

/// <summary>The measurements at one namespace size.</summary>
/// <param name="N">Memories (dialog turns) in the namespace.</param>
/// <param name="Conversations">Conversations they come from.</param>
/// <param name="Sessions">Sessions (engine session ids).</param>
/// <param name="MeanContentChars">Mean length of a memory's content.</param>
/// <param name="IngestSeconds">Time to store them with RememberManyAsync, the engine embedding each content.</param>
/// <param name="IngestPerSec">The same, as memories per second.</param>
/// <param name="ColdIndexLoadMs">First recall after UnloadNamespaceAsync (loads the namespace's index from the store).</param>
/// <param name="BackgroundSettleSeconds">Wait after the cold load until the process's own background work (the approximate index build of a large namespace) had finished, judged by its CPU use.</param>
/// <param name="BackgroundQuiet">Whether that work finished within the wait (false: measured while it still ran).</param>
/// <param name="WarmupRounds">Rounds of warm-up queries before measuring (until the median is stable).</param>
/// <param name="Queries">Measured queries.</param>
/// <param name="P50Ms">Wall-clock latency of one recall, median.</param>
/// <param name="P95Ms">95th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MeanMs">Mean.</param>
/// <param name="CpuP50Ms">The calling thread's CPU time per recall, median (null when unavailable).</param>
/// <param name="CpuP99Ms">The same, 99th percentile.</param>
/// <param name="Latency">Full wall-clock summary.</param>
/// <param name="ThreadCpu">Full thread-CPU summary.</param>
/// <param name="AllocatedKbPerQuery">Managed memory allocated per recall, KiB.</param>
/// <param name="GcPauseMicrosecondsPerQuery">GC pause per recall, µs.</param>
/// <param name="MeanResults">Mean number of results.</param>
/// <param name="SourceAt1">Share of questions whose source turn is ranked first.</param>
/// <param name="SourceAt10">Share of questions whose source turn is among the results (a sanity check of the corpus and ranking, not a quality benchmark).</param>
/// <param name="RssMb">Resident set of the process after ingest (after a full GC).</param>
/// <param name="LoadAverageBefore">Load averages (1/5/15 min) when the size started.</param>
/// <param name="LoadAverageAfter">Load averages when it ended.</param>
/// <param name="Seconds">Wall time of this size, corpus generation included.</param>
internal sealed record RecallLatencySize(
    int N,
    int Conversations,
    int Sessions,
    double MeanContentChars,
    double IngestSeconds,
    double IngestPerSec,
    double ColdIndexLoadMs,
    double BackgroundSettleSeconds,
    bool BackgroundQuiet,
    int WarmupRounds,
    int Queries,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double MeanMs,
    double? CpuP50Ms,
    double? CpuP99Ms,
    LatencySummary Latency,
    LatencySummary? ThreadCpu,
    double AllocatedKbPerQuery,
    double GcPauseMicrosecondsPerQuery,
    double MeanResults,
    double SourceAt1,
    double SourceAt10,
    double RssMb,
    LoadAverages? LoadAverageBefore,
    LoadAverages? LoadAverageAfter,
    double Seconds);

/// <summary>
/// <c>recall-latency</c>: the engine's full hybrid recall (vector, keyword, fuzzy, rescoring; default
/// <see cref="RecallQuery"/>) over a namespace of chat turns with sessions and timestamps, at several sizes, with
/// questions that paraphrase stored turns.
/// </summary>
internal static class RecallLatencyCommand
{
    private const string Namespace = "bench-recall-latency";
    private const int MaxWarmupRounds = 8;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var sizes = new Option<string>("--n")
        {
            Description = "Comma-separated namespace sizes (memories), one run each.",
            DefaultValueFactory = _ => "10000,100000",
        };
        sizes.Validators.Add(result =>
        {
            try
            {
                ParseSizes(result.GetValueOrDefault<string>());
            }
            catch (BenchException ex)
            {
                result.AddError(ex.Message);
            }
            catch (InvalidOperationException)
            {
                // Conversion errors are reported by System.CommandLine itself.
            }
        });
        var queries = CommonOptions.Int("--queries", "Measured recall queries per size.", 1000, 1, 1_000_000);
        var warmup = CommonOptions.Int("--warmup", "Warm-up queries per round, not measured (rounds repeat until the median is stable).", 100, 0, 100_000);
        var limit = CommonOptions.Int("--limit", "Results per recall (RecallQuery.Limit).", 10, 1, 1000);
        var store = CommonOptions.Choice("--store", "Store behind the engine: sqlite (the default product setup, a scratch file) or inmemory.", "sqlite", "sqlite", "inmemory");
        var seed = CommonOptions.Seed();
        var settle = CommonOptions.Int("--settle-seconds", "Longest wait, after loading the namespace, for the engine's background work (the approximate index build) to finish before measuring.", 300, 0, 3600);
        var json = CommonOptions.Json();

        var command = new Command("recall-latency", "Full hybrid recall latency (p50/p95/p99, CPU p50) over a realistic chat corpus with sessions and timestamps, at several namespace sizes.")
        {
            sizes, queries, warmup, limit, store, seed, settle, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "recall-latency",
            ct => RunAsync(
                new RecallLatencySettings(
                    ParseSizes(parse.GetValue(sizes)),
                    parse.GetValue(queries),
                    parse.GetValue(warmup),
                    parse.GetValue(limit),
                    parse.GetValue(store)!,
                    parse.GetValue(seed),
                    parse.GetValue(settle),
                    parse.GetValue(json)),
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(RecallLatencySettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        var kind = Stores.Parse(settings.Store)[0];
        var corpus = new ConversationCorpus(settings.Seed);
        var results = new List<RecallLatencySize>();
        var embedder = new OfflineEmbeddingGenerator();
        string? example = null;

        foreach (int n in settings.Sizes)
        {
            results.Add(await RunSizeAsync(n, kind, corpus, settings, text => example ??= text, cancellationToken));
            Print(results, settings, kind);
        }

        var report = new BenchReport(
            "recall-latency",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                Sizes = settings.Sizes,
                settings.Queries,
                settings.Warmup,
                settings.Limit,
                settings.Store,
                settings.Seed,
                settings.SettleMaxSeconds,
                Namespace,
                Embedder = $"{embedder.ModelId} ({embedder.Dimensions} dimensions, offline, no model or network)",
                EngineOptions = "KernelMemoryPlusOptions defaults",
                Query = $"RecallQuery defaults (hybrid vector + keyword + fuzzy, rescoring, TrackAccess = true, Explain = true), Limit = {settings.Limit}",
                StoreSettings = Stores.Describe(kind),
                Corpus = $"ConversationCorpus: pairs of people, 6-14 sessions each 3-21 days apart, 12-28 turns per session; ~60 % of turns state a personal fact ({ConversationCorpus.FrameCount} frames, several wordings each, {ConversationCorpus.SlotValueCount} slot values), the rest small talk; memory = \"Speaker: text\", episodic, SessionId per session, OccurredAt per turn, metadata speaker/conversation/dia_id",
                Questions = "one of the fact frame's questions, filled with the source turn's own values but worded differently (e.g. puppy → dog); warm-up and measured sets drawn separately",
                ExampleQuestion = example,
                ThreadCpuTimeAvailable = ThreadCpuTime.IsAvailable,
            },
            results,
            []);
        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return 0;
    }

    private static async Task<RecallLatencySize> RunSizeAsync(int n, StoreKind kind, ConversationCorpus corpus, RecallLatencySettings settings, Action<string> onExample, CancellationToken cancellationToken)
    {
        var sizeWatch = Stopwatch.StartNew();
        var loadBefore = LoadAverages.Read();
        var turns = corpus.Generate(n);
        var warmupQueries = corpus.Questions(turns, settings.Warmup, streamSeed: 1);
        var measuredQueries = corpus.Questions(turns, settings.Queries, streamSeed: 2);
        int conversations = turns.Select(t => t.Conversation).Distinct().Count();
        int sessions = turns.Select(t => t.SessionId).Distinct(StringComparer.Ordinal).Count();
        double meanChars = turns.Average(t => t.Content.Length);
        onExample(measuredQueries[0].Text);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"{n:N0} memories: {conversations:N0} conversations, {sessions:N0} sessions, mean {meanChars:0} chars; load average {loadBefore?.ToString() ?? "n/a"}; "
            + $"e.g. \"{measuredQueries[0].Text}\" → \"{turns[measuredQueries[0].SourceIndex].Content}\""));

        using var folder = new ScratchFolder();
        var store = Stores.Create(kind, folder, "recall-latency");
        var engine = new MemoryEngine(store, new OfflineEmbeddingGenerator(), Options.Create(new KernelMemoryPlusOptions()));
        try
        {
            await engine.InitializeAsync(cancellationToken);
            var ids = new string[turns.Count];
            double ingestSeconds = 0, coldLoadMs = 0, rssMb = 0, settleSeconds = 0;
            bool quiet = true;
            int warmupRounds = 0, hitsAt1 = 0, hitsAt10 = 0;
            long resultCount = 0;
            Measurement? measurement = null;

            await ConsoleReport.Progress().StartAsync(async ctx =>
            {
                // 1. Store the turns in timeline order, 1,000 per RememberManyAsync; the engine embeds each content.
                var ingest = ctx.AddTask($"{n:N0}: store turns (engine embeds)", maxValue: turns.Count);
                long t0 = Stopwatch.GetTimestamp();
                for (int start = 0; start < turns.Count; start += 1000)
                {
                    var batch = new List<NewMemory>(1000);
                    for (int i = start; i < Math.Min(start + 1000, turns.Count); i++)
                    {
                        var turn = turns[i];
                        batch.Add(new NewMemory
                        {
                            Namespace = Namespace,
                            Content = turn.Content,
                            Kind = MemoryKind.Episodic,
                            SessionId = turn.SessionId,
                            OccurredAt = turn.OccurredAt,
                            Metadata = new Dictionary<string, string>(StringComparer.Ordinal)
                            {
                                ["speaker"] = turn.Speaker,
                                ["conversation"] = turn.Conversation.ToString(CultureInfo.InvariantCulture),
                                ["dia_id"] = turn.DiaId,
                            },
                        });
                    }

                    var stored = await engine.RememberManyAsync(batch, cancellationToken);
                    for (int i = 0; i < stored.Count; i++)
                    {
                        ids[start + i] = stored[i].Id;
                    }

                    ingest.Increment(batch.Count);
                }

                ingestSeconds = Stats.Ms(t0, Stopwatch.GetTimestamp()) / 1000.0;
                ingest.StopTask();

                // 2. Cold start: drop the hot index; the first recall reloads the namespace from the store.
                await engine.UnloadNamespaceAsync(Namespace, cancellationToken);
                var cold = ctx.AddTask($"{n:N0}: cold index load (first recall)", maxValue: 1);
                long c0 = Stopwatch.GetTimestamp();
                await engine.RecallAsync(Query(warmupQueries.FirstOrDefault()?.Text ?? "hello", settings.Limit), cancellationToken);
                coldLoadMs = Stats.Ms(c0, Stopwatch.GetTimestamp());
                cold.Increment(1);
                cold.StopTask();

                // 3. Let background work started by the load finish (a large namespace builds its approximate vector
                //    index on a worker thread): steady-state latency is what a long-running agent sees.
                var settle = ctx.AddTask($"{n:N0}: wait for background index work (CPU idle)", maxValue: 1);
                (settleSeconds, quiet) = await BackgroundWork.WaitForQuietAsync(TimeSpan.FromSeconds(settings.SettleMaxSeconds), 0.15, cancellationToken);
                settle.Increment(1);
                settle.StopTask();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using (var self = Process.GetCurrentProcess())
                {
                    rssMb = self.WorkingSet64 / 1048576.0;
                }

                // 4. Warm-up rounds until the median is stable (tiered JIT and caches settle; a loaded machine
                //    starves the background compiler, so a fixed count is not always enough).
                var jit = ctx.AddTask($"{n:N0}: warm-up (until stable)", maxValue: MaxWarmupRounds);
                double previous = double.NaN;
                for (int round = 1; round <= MaxWarmupRounds && warmupQueries.Count > 0; round++)
                {
                    var roundMs = new List<double>(warmupQueries.Count);
                    foreach (var question in warmupQueries)
                    {
                        long q0 = Stopwatch.GetTimestamp();
                        await engine.RecallAsync(Query(question.Text, settings.Limit), cancellationToken);
                        roundMs.Add(Stats.Ms(q0, Stopwatch.GetTimestamp()));
                    }

                    warmupRounds = round;
                    jit.Value = round;
                    double median = Stats.Median(roundMs);
                    if (round >= 2 && Math.Abs(median - previous) <= 0.1 * previous)
                    {
                        break;
                    }

                    previous = median;
                }

                jit.Value = jit.MaxValue;
                jit.StopTask();

                // 5. The measured queries.
                var task = ctx.AddTask($"{n:N0}: recall, default query", maxValue: measuredQueries.Count);
                measurement = await QueryTimer.MeasureAsync(task, [], measuredQueries, async (question, measured) =>
                {
                    var found = await engine.RecallAsync(Query(question.Text, settings.Limit), cancellationToken);
                    resultCount += found.Count;
                    var sourceId = ids[question.SourceIndex];
                    if (found.Count > 0 && found[0].Memory.Id == sourceId)
                    {
                        hitsAt1++;
                    }

                    if (found.Any(r => r.Memory.Id == sourceId))
                    {
                        hitsAt10++;
                    }
                });
            });

            var stats = await engine.GetStatsAsync(Namespace, cancellationToken);
            if (stats.Memories != n)
            {
                throw new BenchException($"The engine reports {stats.Memories} memories after storing {n}.");
            }

            var m = measurement!;
            int q = measuredQueries.Count;
            return new RecallLatencySize(
                n,
                conversations,
                sessions,
                Math.Round(meanChars, 1),
                Math.Round(ingestSeconds, 2),
                Math.Round(n / ingestSeconds, 0),
                Math.Round(coldLoadMs, 1),
                settleSeconds,
                quiet,
                warmupRounds,
                q,
                m.Latency.P50Ms,
                m.Latency.P95Ms,
                m.Latency.P99Ms,
                m.Latency.MeanMs,
                m.ThreadCpu?.P50Ms,
                m.ThreadCpu?.P99Ms,
                m.Latency,
                m.ThreadCpu,
                Math.Round(m.AllocatedBytesPerCall / 1024.0, 1),
                m.GcPauseMicrosecondsPerCall,
                Math.Round((double)resultCount / q, 2),
                Math.Round((double)hitsAt1 / q, 3),
                Math.Round((double)hitsAt10 / q, 3),
                Math.Round(rssMb, 1),
                loadBefore,
                LoadAverages.Read(),
                Math.Round(sizeWatch.Elapsed.TotalSeconds, 1));
        }
        finally
        {
            await engine.DisposeAsync();
            store.Dispose();
        }
    }

    private static RecallQuery Query(string text, int limit) => new() { Namespace = Namespace, Text = text, Limit = limit };

    private static void Print(IReadOnlyList<RecallLatencySize> results, RecallLatencySettings settings, StoreKind kind)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"recall-latency ({Stores.Name(kind)}), {settings.Queries:N0} queries per size, Limit {settings.Limit}")
            .Caption("ms per recall (wall clock); cpu = calling thread's CPU time; hit = source turn ranked 1st / in the results (sanity check); settle = wait for background index work (! = still running); load = 1-min load average before → after.");
        foreach (var column in new[] { "n", "ingest s", "ingest/s", "cold ms", "settle s", "p50", "p95", "p99", "mean", "cpu p50", "KB/q", "hit@1", "hit@10", "RSS MB", "load" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var r in results)
        {
            table.AddRow(
                r.N.ToString("N0", CultureInfo.InvariantCulture),
                r.IngestSeconds.ToString("0.0", CultureInfo.InvariantCulture),
                r.IngestPerSec.ToString("N0", CultureInfo.InvariantCulture),
                r.ColdIndexLoadMs.ToString("0", CultureInfo.InvariantCulture),
                r.BackgroundSettleSeconds.ToString("0", CultureInfo.InvariantCulture) + (r.BackgroundQuiet ? string.Empty : "!"),
                $"[bold]{r.P50Ms.ToString("0.00", CultureInfo.InvariantCulture)}[/]",
                r.P95Ms.ToString("0.00", CultureInfo.InvariantCulture),
                r.P99Ms.ToString("0.00", CultureInfo.InvariantCulture),
                r.MeanMs.ToString("0.00", CultureInfo.InvariantCulture),
                r.CpuP50Ms is double c ? c.ToString("0.00", CultureInfo.InvariantCulture) : "-",
                r.AllocatedKbPerQuery.ToString("0", CultureInfo.InvariantCulture),
                r.SourceAt1.ToString("P0", CultureInfo.InvariantCulture),
                r.SourceAt10.ToString("P0", CultureInfo.InvariantCulture),
                r.RssMb.ToString("N0", CultureInfo.InvariantCulture),
                Markup.Escape($"{r.LoadAverageBefore?.One.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"} → {r.LoadAverageAfter?.One.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"}"));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>Parses "10000,100000" into sizes.</summary>
    /// <param name="text">The option's text.</param>
    internal static List<int> ParseSizes(string? text)
    {
        var sizes = new List<int>();
        foreach (var part in (text ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) || n < 100 || n > 1_000_000)
            {
                throw new BenchException($"--n: '{part}' is not a size between 100 and 1000000.");
            }

            sizes.Add(n);
        }

        if (sizes.Count == 0)
        {
            throw new BenchException("--n needs at least one size, e.g. 10000,100000.");
        }

        return sizes;
    }
}
