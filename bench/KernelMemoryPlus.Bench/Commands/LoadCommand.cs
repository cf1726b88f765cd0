using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Bench.Load;
using KernelMemoryPlus.Bench.Peer;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>
/// <c>load</c>: N concurrent clients for a fixed time against a freshly started server process on loopback, mixing
/// MCP tool calls over Streamable HTTP (remember, recall, get) with REST calls (create, recall, get); errors,
/// throughput and latency per operation, the server's RSS every second; then a sequential <c>get</c> latency run.
/// </summary>
internal static class LoadCommand
{
    private static readonly LoadOperation[] s_operations = Enum.GetValues<LoadOperation>();

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var clients = CommonOptions.Int("--clients", "Concurrent clients; each has its own MCP session and makes REST calls over a shared connection pool.", 50, 1, 2000);
        var duration = CommonOptions.Int("--duration", "Measured window, in seconds.", 120, 1, 86_400);
        var warmup = CommonOptions.Int("--warmup", "Unmeasured load before the window, in seconds.", 15, 0, 3600);
        var preload = CommonOptions.Int("--preload", "Memories stored (REST batch) before the run, so reads have targets.", 2000, 1, 200_000);
        var writeShare = CommonOptions.Fraction("--write-share", "Share of operations that store a memory (split evenly between MCP remember and REST POST); the rest are split evenly between the four reads.", 1.0 / 3);
        var latencyCalls = CommonOptions.Int("--latency-calls", "Sequential MCP get calls measured after the load (the p50 < 1 ms target).", 2000, 1, 1_000_000);
        var latencyWarmup = CommonOptions.Int("--latency-warmup", "Unmeasured sequential calls before those.", 500, 0, 1_000_000);
        var idle = CommonOptions.Int("--idle", "Seconds the server's RSS is still sampled after the sequential run, with no calls.", 15, 0, 3600);
        var serverDll = new Option<string?>("--server-dll")
        {
            Description = $"The KernelMemoryPlus server dll (default: {KmpServer.DefaultRelativePath} in this repository; build it with 'dotnet build -c Release src/McpServer').",
            HelpName = "PATH",
        };
        serverDll.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } path && !File.Exists(path))
            {
                r.AddError($"--server-dll: '{path}' does not exist.");
            }
        });
        var profileDir = new Option<string?>("--profile-dir")
        {
            Description = "Write an EventPipe sampling profile (.nettrace) of the server process into DIR (an existing folder).",
            HelpName = "DIR",
        };
        profileDir.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } dir && !Directory.Exists(dir))
            {
                r.AddError($"--profile-dir: the folder '{dir}' does not exist.");
            }
        });
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();

        var command = new Command("load", "Concurrent clients against a freshly started server: MCP over Streamable HTTP (remember, recall, get) and REST (create, recall, get); errors, throughput, latency per operation, server RSS every second; then sequential MCP get latency.")
        {
            clients, duration, warmup, preload, writeShare, latencyCalls, latencyWarmup, idle, serverDll, profileDir, seed, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "load",
            ct => RunAsync(
                new LoadSettings(
                    parse.GetValue(clients),
                    parse.GetValue(duration),
                    parse.GetValue(warmup),
                    parse.GetValue(preload),
                    parse.GetValue(writeShare),
                    parse.GetValue(latencyCalls),
                    parse.GetValue(latencyWarmup),
                    parse.GetValue(idle),
                    parse.GetValue(serverDll),
                    parse.GetValue(profileDir),
                    parse.GetValue(seed),
                    parse.GetValue(json)),
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the benchmark.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(LoadSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var dll = KmpServer.ResolveDll(settings.ServerDll);
        KmpServer.DotnetHost();
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        AnsiConsole.MarkupLine(Markup.Escape($"server: {KmpServer.Describe(dll)}"));

        var weights = Weights(settings.WriteShare);
        var requests = LoadRequests.Build(settings.Seed, settings.Preload);
        var loadBefore = ProcStats.LoadAverage();

        using var folder = new ScratchFolder();
        var profile = KmpServer.ProfileEnvironment(settings.ProfileDir is null ? null : Path.Combine(Path.GetFullPath(settings.ProfileDir), "load-server.nettrace"));
        var (process, baseAddress) = await KmpServer.StartHttpAsync(dll, folder.Path, profile, cancellationToken);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var pool = new IdPool();
        var executor = new LoadExecutor(http, pool, requests);
        var sampler = new RssSampler(process.Pid, pool);
        var clients = new List<McpClient>();
        LoadResults results;
        int? exitCode = null;
        try
        {
            sampler.Start();
            double idleMB = sampler.SampleNow();

            // Preload, connect the clients.
            sampler.Phase = "preload";
            await executor.PreloadAsync(cancellationToken);
            double afterPreloadMB = sampler.SampleNow();
            AnsiConsole.MarkupLine(Markup.Escape($"preloaded {pool.Count:N0} memories; server RSS {idleMB:0} MB idle, {afterPreloadMB:0} MB after the preload"));
            sampler.Phase = "connect";
            for (int i = 0; i < settings.Clients; i += 10)
            {
                var batch = await Task.WhenAll(Enumerable.Range(i, Math.Min(10, settings.Clients - i)).Select(_ => McpConnect.HttpAsync(baseAddress, http, cancellationToken)));
                clients.AddRange(batch);
            }

            // Warm-up, then the measured window, as one continuous load: each client loops until the end of the window.
            var perClient = new ClientLog[settings.Clients];
            long warmStart = Stopwatch.GetTimestamp();
            long measureStart = warmStart + (long)(settings.WarmupSeconds * (double)Stopwatch.Frequency);
            long measureEnd = measureStart + (long)(settings.DurationSeconds * (double)Stopwatch.Frequency);
            int memoriesAtStart = 0;
            double? serverCpu0 = null;
            double clientCpu0 = 0;
            sampler.Phase = "warm-up";
            var windowWatch = Task.Run(
                async () =>
                {
                    var delay = TimeSpan.FromSeconds((measureStart - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
                    if (delay > TimeSpan.Zero)
                    {
                        await Task.Delay(delay, cancellationToken);
                    }

                    memoriesAtStart = pool.Count;
                    serverCpu0 = ProcStats.CpuSeconds(process.Pid);
                    clientCpu0 = ProcStats.SelfCpuSeconds();
                    sampler.Phase = "measured";
                },
                cancellationToken);

            await ConsoleReport.Progress().StartAsync(async ctx =>
            {
                var warmTask = ctx.AddTask($"warm-up: {settings.Clients} clients", maxValue: Math.Max(1, settings.WarmupSeconds));
                var task = ctx.AddTask($"load: {settings.Clients} clients, {settings.DurationSeconds} s", maxValue: settings.DurationSeconds);
                var workers = Enumerable.Range(0, settings.Clients).Select(i => Task.Run(
                    async () => perClient[i] = await RunClientAsync(clients[i], executor, weights, settings.Seed * 1000 + i, measureStart, measureEnd, cancellationToken),
                    cancellationToken)).ToList();
                while (!workers.All(w => w.IsCompleted))
                {
                    await Task.WhenAny(Task.WhenAll(workers), Task.Delay(500, cancellationToken));
                    double now = (Stopwatch.GetTimestamp() - warmStart) / (double)Stopwatch.Frequency;
                    warmTask.Value = Math.Min(warmTask.MaxValue, now);
                    task.Value = Math.Clamp(now - settings.WarmupSeconds, 0, task.MaxValue);
                    if (process.HasExited)
                    {
                        process.ThrowIfExited("The KernelMemoryPlus server");
                    }
                }

                await Task.WhenAll(workers);
                warmTask.Value = warmTask.MaxValue;
                task.Value = task.MaxValue;
            });
            await windowWatch;
            double? serverCpu1 = ProcStats.CpuSeconds(process.Pid);
            double clientCpu1 = ProcStats.SelfCpuSeconds();
            int memoriesAtEnd = pool.Count;
            double measuredMaxMB = sampler.Samples.Where(s => s.Phase == "measured").Select(s => s.RssMB).DefaultIfEmpty(0).Max();
            sampler.Phase = "disconnecting";

            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            clients.Clear();
            sampler.Phase = "disconnected";
            sampler.SampleNow();
            sampler.Phase = "sequential";

            // Sequential latency on the now quiet server: MCP get (the target), REST get for comparison.
            var sequential = new List<SequentialLatency>();
            await using (var single = await McpConnect.HttpAsync(baseAddress, http, cancellationToken))
            {
                var rng = new Random(settings.Seed);
                sequential.Add(await SequentialAsync("MCP get (Streamable HTTP)", settings.LatencyWarmup, settings.LatencyCalls, () => executor.ExecuteAsync(LoadOperation.McpGet, single, rng, cancellationToken)));
                sequential.Add(await SequentialAsync("REST GET /api/v1/memories/{id}", settings.LatencyWarmup, settings.LatencyCalls, () => executor.ExecuteAsync(LoadOperation.RestGet, single, rng, cancellationToken)));
            }

            sampler.Phase = "after sequential";
            double finalMB = sampler.SampleNow();
            sampler.Phase = "idle";
            await Task.Delay(TimeSpan.FromSeconds(settings.IdleSeconds), cancellationToken);
            double idleEndMB = sampler.SampleNow();
            var peak = ProcStats.PeakRssBytes(process.Pid);
            await sampler.StopAsync();
            exitCode = await process.StopAsync(TimeSpan.FromSeconds(30));

            var all = perClient.Where(c => c is not null).ToList();
            var operations = s_operations.Select(op =>
            {
                var ms = all.SelectMany(c => c.Latencies[(int)op]).ToList();
                return new LoadOperationResult(
                    LoadExecutor.Name(op),
                    Math.Round(weights[(int)op], 4),
                    ms.Count,
                    Math.Round(ms.Count / (double)settings.DurationSeconds, 1),
                    LatencySummary.FromMilliseconds(ms),
                    all.Sum(c => c.Errors[(int)op]));
            }).ToList();
            int calls = operations.Sum(o => o.Calls);
            results = new LoadResults(
                KmpServer.Describe(dll),
                settings.Clients,
                settings.DurationSeconds,
                settings.IdleSeconds,
                calls,
                Math.Round(calls / (double)settings.DurationSeconds, 1),
                operations.Sum(o => o.Errors),
                all.Sum(c => c.WarmupCalls),
                all.Sum(c => c.WarmupErrors),
                all.SelectMany(c => c.FirstErrors).Take(20).ToList(),
                operations,
                serverCpu0 is null || serverCpu1 is null ? null : Math.Round((serverCpu1.Value - serverCpu0.Value) / settings.DurationSeconds, 3),
                Math.Round((clientCpu1 - clientCpu0) / settings.DurationSeconds, 3),
                memoriesAtStart,
                memoriesAtEnd,
                RssSummary(sampler.Samples, idleMB, afterPreloadMB, measuredMaxMB, finalMB, idleEndMB, peak),
                sequential,
                loadBefore,
                ProcStats.LoadAverage(),
                process.LogLines,
                exitCode,
                sampler.Samples);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            await sampler.StopAsync();
            await process.StopAsync(TimeSpan.FromSeconds(30));
            await process.DisposeAsync();
        }

        Print(results);
        var get = results.Sequential[0];
        var targets = new List<TargetCheck>
        {
            new($"errors under load ({settings.Clients} clients, {settings.DurationSeconds} s)", "0", results.Errors + results.WarmupErrors, "errors", results.Errors + results.WarmupErrors == 0),
            new("sequential MCP get by id over Streamable HTTP, p50", "< 1 ms", get.Latency.P50Ms, "ms", get.Latency.P50Ms < 1.0),
        };
        ConsoleReport.Targets(targets);

        var report = new BenchReport(
            "load",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                settings.Clients,
                settings.DurationSeconds,
                settings.WarmupSeconds,
                settings.Preload,
                settings.WriteShare,
                settings.LatencyCalls,
                settings.LatencyWarmup,
                settings.IdleSeconds,
                settings.Seed,
                LoadRequests.Namespace,
                McpConnect.ProtocolVersion,
                ClientModel = "each client: its own MCP session (ModelContextProtocol 2.4.0 HttpClientTransport, Streamable HTTP) and REST calls; all share one SocketsHttpHandler; closed loop (next call when the previous answered), no think time",
                Server = "fresh data folder, the server's default settings (SQLite store, offline embedder), loopback",
                settings.ProfileDir,
            },
            results,
            targets);
        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return results.Errors + results.WarmupErrors == 0 ? 0 : CommandRunner.Failed;
    }

    private static double[] Weights(double writeShare)
    {
        var weights = new double[s_operations.Length];
        weights[(int)LoadOperation.McpRemember] = writeShare / 2;
        weights[(int)LoadOperation.RestCreate] = writeShare / 2;
        foreach (var read in new[] { LoadOperation.McpRecall, LoadOperation.McpGet, LoadOperation.RestRecall, LoadOperation.RestGet })
        {
            weights[(int)read] = (1 - writeShare) / 4;
        }

        return weights;
    }

    private static async Task<ClientLog> RunClientAsync(McpClient client, LoadExecutor executor, double[] weights, int seed, long measureStart, long measureEnd, CancellationToken cancellationToken)
    {
        var rng = new Random(seed);
        var log = new ClientLog(weights.Length);
        while (true)
        {
            long t0 = Stopwatch.GetTimestamp();
            if (t0 >= measureEnd)
            {
                return log;
            }

            var op = Pick(rng, weights);
            var error = await executor.ExecuteAsync(op, client, rng, cancellationToken);
            double ms = Stats.Ms(t0, Stopwatch.GetTimestamp());
            if (t0 < measureStart)
            {
                log.WarmupCalls++;
                if (error is not null)
                {
                    log.WarmupErrors++;
                    log.Note(error);
                }

                continue;
            }

            log.Latencies[(int)op].Add(ms);
            if (error is not null)
            {
                log.Errors[(int)op]++;
                log.Note(error);
            }
        }
    }

    private static LoadOperation Pick(Random rng, double[] weights)
    {
        double u = rng.NextDouble(), sum = 0;
        for (int i = 0; i < weights.Length; i++)
        {
            sum += weights[i];
            if (u < sum)
            {
                return (LoadOperation)i;
            }
        }

        for (int i = weights.Length - 1; i >= 0; i--)
        {
            if (weights[i] > 0)
            {
                return (LoadOperation)i;
            }
        }

        return LoadOperation.McpGet;
    }

    private static async Task<SequentialLatency> SequentialAsync(string name, int warmup, int calls, Func<Task<string?>> call)
    {
        int errors = 0;
        for (int i = 0; i < warmup; i++)
        {
            if (await call() is not null)
            {
                errors++;
            }
        }

        var ms = new double[calls];
        for (int i = 0; i < calls; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var error = await call();
            ms[i] = Stats.Ms(t0, Stopwatch.GetTimestamp());
            if (error is not null)
            {
                errors++;
            }
        }

        return new SequentialLatency(name, warmup, LatencySummary.FromMilliseconds(ms), errors);
    }

    private static RssSummary RssSummary(IReadOnlyList<RssSample> samples, double idleMB, double afterPreloadMB, double measuredMaxMB, double finalMB, double idleEndMB, long? peak)
    {
        var measured = samples.Where(s => s.Phase == "measured").ToList();
        if (measured.Count == 0)
        {
            return new RssSummary(idleMB, afterPreloadMB, 0, 0, 0, 0, 0, null, finalMB, idleEndMB, peak is null ? null : Math.Round(peak.Value / 1048576.0, 1));
        }

        var half = measured.Skip(measured.Count / 2).ToList();
        double slopePerSecond = Slope(half.Select(s => (s.Seconds, s.RssMB)).ToList());
        int added = half[^1].Memories - half[0].Memories;
        double? perThousand = added > 0 ? Math.Round(Slope(half.Select(s => ((double)s.Memories, s.RssMB)).ToList()) * 1000, 3) : null;
        return new RssSummary(
            Math.Round(idleMB, 1),
            Math.Round(afterPreloadMB, 1),
            Math.Round(measured[0].RssMB, 1),
            Math.Round(measuredMaxMB, 1),
            Math.Round(measured[^1].RssMB, 1),
            Math.Round(slopePerSecond * 60, 3),
            added,
            perThousand,
            Math.Round(finalMB, 1),
            Math.Round(idleEndMB, 1),
            peak is null ? null : Math.Round(peak.Value / 1048576.0, 1));
    }

    /// <summary>Least-squares slope of y over x (0 with fewer than 2 distinct x).</summary>
    private static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Count < 2)
        {
            return 0;
        }

        double mx = points.Average(p => p.X), my = points.Average(p => p.Y);
        double sxx = points.Sum(p => (p.X - mx) * (p.X - mx));
        return sxx == 0 ? 0 : points.Sum(p => (p.X - mx) * (p.Y - my)) / sxx;
    }

    private static void Print(LoadResults r)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"load: {r.Clients} clients, {r.MeasuredSeconds:0} s, {r.Calls:N0} calls ({r.CallsPerSecond:N0}/s), {r.Errors} errors"))
            .Caption(Markup.Escape($"server CPU {r.ServerCpuCores?.ToString("0.00", CultureInfo.InvariantCulture) ?? "?"} cores, harness (clients) CPU {r.HarnessCpuCores:0.00} cores, of {Environment.ProcessorCount}; memories {r.MemoriesAtStart:N0} → {r.MemoriesAtEnd:N0}"));
        table.AddColumn("operation");
        foreach (var column in new[] { "share", "calls", "calls/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var o in r.Operations)
        {
            table.AddRow(
                Markup.Escape(o.Operation),
                $"{o.Weight:P0}",
                o.Calls.ToString("N0", CultureInfo.InvariantCulture),
                ConsoleReport.Format(o.CallsPerSecond),
                $"{o.Latency.P50Ms:0.00}",
                $"{o.Latency.P90Ms:0.00}",
                $"{o.Latency.P99Ms:0.00}",
                $"{o.Latency.MaxMs:0.0}",
                o.Errors == 0 ? "0" : $"[red]{o.Errors}[/]");
        }

        AnsiConsole.Write(table);
        var rss = r.Rss;
        AnsiConsole.MarkupLine(Markup.Escape(
            $"server RSS: idle {rss.IdleMB:0} MB, after preload {rss.AfterPreloadMB:0} MB; measured window: start {rss.MeasuredStartMB:0} MB, max {rss.MeasuredMaxMB:0} MB, end {rss.MeasuredEndMB:0} MB; " +
            $"second-half slope {rss.SecondHalfSlopeMBPerMinute:0.0} MB/min while {rss.SecondHalfMemoriesAdded:N0} memories were added" +
            (rss.SecondHalfSlopeMBPer1000Memories is double k ? $" ({k:0.00} MB per 1,000 memories)" : string.Empty) +
            $"; after the latency run {rss.FinalMB:0} MB; after {r.IdleSeconds} s idle {rss.IdleEndMB:0} MB; peak {rss.PeakMB?.ToString("0", CultureInfo.InvariantCulture) ?? "?"} MB"));
        foreach (var s in r.Sequential)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"sequential {s.Operation}: {s.Latency.Count:N0} calls after {s.Warmup:N0} warm-up: p50 {s.Latency.P50Ms:0.000} ms, p90 {s.Latency.P90Ms:0.000}, p99 {s.Latency.P99Ms:0.000}, errors {s.Errors}"));
        }

        AnsiConsole.MarkupLine(Markup.Escape($"warm-up: {r.WarmupCalls:N0} calls, {r.WarmupErrors} errors; load average {r.LoadAverageBefore?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"} → {r.LoadAverageAfter?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"}; server exit code after SIGTERM: {r.ServerExitCode?.ToString(CultureInfo.InvariantCulture) ?? "killed"}"));
        foreach (var e in r.FirstErrors.Take(5))
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e)}[/]");
        }
    }

    /// <summary>What one client recorded.</summary>
    private sealed class ClientLog
    {
        public ClientLog(int operations)
        {
            Latencies = Enumerable.Range(0, operations).Select(_ => new List<double>(4096)).ToArray();
            Errors = new int[operations];
        }

        public List<double>[] Latencies { get; }

        public int[] Errors { get; }

        public int WarmupCalls { get; set; }

        public int WarmupErrors { get; set; }

        public List<string> FirstErrors { get; } = [];

        public void Note(string error)
        {
            if (FirstErrors.Count < 5)
            {
                FirstErrors.Add(error);
            }
        }
    }
}

/// <summary>Samples the server's VmRSS once a second, tagged with what the harness was doing.</summary>
internal sealed class RssSampler(int pid, IdPool pool)
{
    private readonly List<RssSample> _samples = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>The current phase label.</summary>
    public volatile string Phase = "idle";

    /// <summary>A copy of the samples so far.</summary>
    public IReadOnlyList<RssSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    /// <summary>Starts sampling.</summary>
    public void Start() => _loop = Task.Run(async () =>
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                SampleNow();
            }
        }
        catch (OperationCanceledException)
        {
        }
    });

    /// <summary>Takes a sample now and returns it in MB (0 when unavailable).</summary>
    public double SampleNow()
    {
        var rss = ProcStats.RssBytes(pid);
        if (rss is null)
        {
            return 0;
        }

        double mb = Math.Round(rss.Value / 1048576.0, 2);
        lock (_samples)
        {
            _samples.Add(new RssSample(Math.Round(_clock.Elapsed.TotalSeconds, 2), mb, Phase, pool.Count));
        }

        return mb;
    }

    /// <summary>Stops sampling.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        if (_loop is not null)
        {
            await _loop;
        }
    }
}
