using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Bench.Peer;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>
/// <c>peer</c>: the same MCP client workload (create_entities, search_nodes, open_nodes) against the reference server
/// <c>@modelcontextprotocol/server-memory</c> and against ours, each started as its own process over stdio (ours also
/// over Streamable HTTP): throughput, latency, server CPU per call, and whether each search finds its entity.
/// </summary>
internal static class PeerCommand
{
    private const string Reference = "reference";
    private const string OursStdio = "ours-stdio";
    private const string OursHttp = "ours-http";
    private static readonly string[] s_allServers = [Reference, OursStdio, OursHttp];

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var entities = CommonOptions.Int("--entities", "Entities created (each with 2-4 observations).", 10_000, 1, 200_000);
        var batch = CommonOptions.Int("--batch", "Entities per create_entities call.", 100, 1, 1000);
        var searches = CommonOptions.Int("--searches", "Measured search_nodes calls.", 1000, 1, 100_000);
        var opens = CommonOptions.Int("--opens", "Measured open_nodes calls.", 1000, 1, 100_000);
        var warmup = CommonOptions.Int("--warmup", "Unmeasured search_nodes and open_nodes calls (each) before the measured ones.", 50, 0, 10_000);
        var namesPerOpen = CommonOptions.Int("--names-per-open", "Entity names per open_nodes call.", 1, 1, 100);
        var typos = CommonOptions.Fraction("--typo-rate", "Share of search queries with one typo.", 0.25);
        var runs = CommonOptions.Int("--runs", "Runs of the whole workload per server (medians are reported).", 1, 1, 20);
        var servers = new Option<string[]>("--servers")
        {
            Description = "Servers to run, in order: reference (node, stdio), ours-stdio, ours-http (Streamable HTTP).",
            DefaultValueFactory = _ => s_allServers,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        servers.AcceptOnlyFromAmong(s_allServers);
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
        var node = new Option<string>("--node") { Description = "The node executable (Node.js 18 or later).", DefaultValueFactory = _ => "node", HelpName = "PATH" };
        var npm = new Option<string>("--npm") { Description = $"The npm executable, used to install {ReferenceServer.Package} when it is not installed yet.", DefaultValueFactory = _ => "npm", HelpName = "PATH" };
        var referenceDir = new Option<string?>("--reference-dir")
        {
            Description = $"Folder where {ReferenceServer.Package} is installed (npm --prefix), or is installed into (default: kmp-bench-server-memory in the temp folder).",
            HelpName = "DIR",
        };
        var profileDir = new Option<string?>("--profile-dir")
        {
            Description = "Write an EventPipe sampling profile (.nettrace) of each of our server processes into DIR (an existing folder).",
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

        var command = new Command("peer", "Side by side with the reference MCP memory server (@modelcontextprotocol/server-memory): the same create_entities / search_nodes / open_nodes workload over stdio (ours also over Streamable HTTP): throughput, latency, answer quality.")
        {
            entities, batch, searches, opens, warmup, namesPerOpen, typos, runs, servers, serverDll, node, npm, referenceDir, profileDir, seed, json,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "peer",
            ct => RunAsync(
                new PeerSettings(
                    parse.GetValue(entities),
                    parse.GetValue(batch),
                    parse.GetValue(searches),
                    parse.GetValue(opens),
                    parse.GetValue(warmup),
                    parse.GetValue(namesPerOpen),
                    parse.GetValue(typos),
                    parse.GetValue(runs),
                    parse.GetValue(servers)!.Distinct(StringComparer.Ordinal).ToList(),
                    parse.GetValue(serverDll),
                    parse.GetValue(node)!,
                    parse.GetValue(npm)!,
                    parse.GetValue(referenceDir),
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
    public static async Task<int> RunAsync(PeerSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();

        // Check the servers before anything else, so a missing node or dll fails in a second, not after a run.
        string? dll = settings.Servers.Any(s => s != Reference) ? KmpServer.ResolveDll(settings.ServerDll) : null;
        if (dll is not null)
        {
            KmpServer.DotnetHost();
        }

        ReferenceServer? reference = settings.Servers.Contains(Reference)
            ? await ReferenceServer.EnsureAsync(settings.Node, settings.Npm, settings.ReferenceDir, cancellationToken)
            : null;

        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);

        var graph = GraphCorpus.Entities(settings.Entities, settings.Seed);
        var warmQueries = GraphCorpus.Queries(graph, settings.Warmup, settings.TypoRate, settings.Seed, stream: 1);
        var queries = GraphCorpus.Queries(graph, settings.Searches, settings.TypoRate, settings.Seed, stream: 2);
        var warmOpens = GraphCorpus.OpenRequests(graph, settings.Warmup, settings.NamesPerOpen, settings.Seed, stream: 3);
        var opens = GraphCorpus.OpenRequests(graph, settings.Opens, settings.NamesPerOpen, settings.Seed, stream: 4);
        var shape = new GraphShape(
            graph.Count,
            graph.Sum(e => e.Observations.Count),
            graph.GroupBy(e => e.EntityType, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            graph[0],
            queries.Take(8).Select(q => q.Text).ToList());
        AnsiConsole.MarkupLine(Markup.Escape(
            $"graph: {shape.Entities:N0} entities, {shape.Observations:N0} observations ({string.Join(", ", shape.EntitiesByType.Select(t => $"{t.Value:N0} {t.Key}"))}); " +
            $"{queries.Count:N0} queries ({queries.Count(q => q.HasTypo)} with a typo), e.g. {string.Join(" | ", shape.SampleQueries.Take(4).Select(q => $"\"{q}\""))}"));
        if (reference is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"reference: {ReferenceServer.Package} {reference.PackageVersion} on node {reference.NodeVersion} ({reference.Script})"));
        }

        if (dll is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"ours: {KmpServer.Describe(dll)}"));
        }

        var workload = new Workload(
            graph.Chunk(settings.Batch).Select(chunk => McpCalls.Request("create_entities", new { entities = chunk.Select(e => new { name = e.Name, entityType = e.EntityType, observations = e.Observations }).ToList() })).ToList(),
            graph.Chunk(settings.Batch).Select(chunk => chunk.Length).ToList(),
            warmQueries.Select(q => McpCalls.Request("search_nodes", new { query = q.Text })).ToList(),
            queries,
            queries.Select(q => McpCalls.Request("search_nodes", new { query = q.Text })).ToList(),
            warmOpens.Select(names => McpCalls.Request("open_nodes", new { names })).ToList(),
            opens,
            opens.Select(names => McpCalls.Request("open_nodes", new { names })).ToList(),
            graph);

        var runs = new List<PeerServerRun>();
        (PeerResults Results, List<TargetCheck> Targets, BenchReport Report) Build(bool complete)
        {
            var medians = Medians(runs, settings.Servers);
            var ratios = Ratios(medians);
            var results = new PeerResults(
                complete,
                reference is null ? null : $"{ReferenceServer.Package} {reference.PackageVersion}, node {reference.NodeVersion}, stdio",
                dll is null ? null : KmpServer.Describe(dll),
                shape,
                queries.Count(q => q.HasTypo),
                medians,
                ratios,
                runs.ToList());
            var targets = new List<TargetCheck>();
            if (ratios.FirstOrDefault(r => r.Server == OursStdio && r.Phase == "search") is { } stdioSearch)
            {
                targets.Add(new TargetCheck(
                    $"search_nodes throughput at {settings.Entities:N0} entities, ours over stdio vs the reference over stdio",
                    "≥ 10× the reference",
                    Math.Round(stdioSearch.ThroughputRatio, 3),
                    "×",
                    stdioSearch.ThroughputRatio >= 10));
            }

            if (ratios.FirstOrDefault(r => r.Server == OursHttp && r.Phase == "search") is { } httpSearch)
            {
                targets.Add(new TargetCheck(
                    $"(extra row) search_nodes throughput, ours over Streamable HTTP vs the reference over stdio",
                    "≥ 10× the reference",
                    Math.Round(httpSearch.ThroughputRatio, 3),
                    "×",
                    httpSearch.ThroughputRatio >= 10));
            }

            var report = new BenchReport(
                "peer",
                started,
                Math.Round(wall.Elapsed.TotalSeconds, 1),
                machine,
                new
                {
                    settings.Entities,
                    settings.Batch,
                    settings.Searches,
                    settings.Opens,
                    settings.Warmup,
                    settings.NamesPerOpen,
                    settings.TypoRate,
                    settings.Runs,
                    settings.Servers,
                    settings.Seed,
                    McpConnect.ProtocolVersion,
                    Client = "ModelContextProtocol 2.4.0 C# client in the harness process; one call at a time, answers scored after each phase (not timed); stdio via the server process's stdin/stdout (StreamClientTransport), HTTP via HttpClientTransport (Streamable HTTP)",
                    OursData = "a fresh data folder per run (SQLite store, offline embedder: the server's defaults)",
                    ReferenceData = "a fresh MEMORY_FILE_PATH (JSONL) per run",
                    settings.ProfileDir,
                },
                results,
                targets);
            return (results, targets, report);
        }

        await ConsoleReport.Progress().StartAsync(async ctx =>
        {
            for (int run = 1; run <= settings.Runs; run++)
            {
                // Rotate the order from run to run, so no server always runs on the machine's quietest (or busiest) minute.
                var order = settings.Servers.Skip((run - 1) % settings.Servers.Count).Concat(settings.Servers.Take((run - 1) % settings.Servers.Count)).ToList();
                foreach (var server in order)
                {
                    runs.Add(await RunServerAsync(server, run, settings, dll, reference, workload, ctx, cancellationToken));

                    // A long run should not be lost to an interruption: the JSON so far is written after every server.
                    if (settings.Json is not null && runs.Count < settings.Runs * settings.Servers.Count)
                    {
                        await BenchJson.WriteAsync(settings.Json, Build(complete: false).Report, cancellationToken);
                    }
                }
            }
        });

        var (results, targets, report) = Build(complete: true);
        Print(results, settings);
        ConsoleReport.Targets(targets);
        int errors = runs.Sum(r => r.Phases.Sum(p => p.Errors));
        if (errors > 0)
        {
            AnsiConsole.MarkupLine($"[red]{errors} calls failed; see firstError in the JSON.[/]");
        }

        await ConsoleReport.WriteJsonAsync(settings.Json, report, cancellationToken);
        return errors > 0 ? CommandRunner.Failed : 0;
    }

    private static async Task<PeerServerRun> RunServerAsync(string server, int run, PeerSettings settings, string? dll, ReferenceServer? reference, Workload workload, ProgressContext ctx, CancellationToken cancellationToken)
    {
        using var folder = new ScratchFolder();
        var loadBefore = ProcStats.LoadAverage();
        var profile = settings.ProfileDir is null || server == Reference
            ? KmpServer.ProfileEnvironment(null)
            : KmpServer.ProfileEnvironment(Path.Combine(Path.GetFullPath(settings.ProfileDir), $"peer-{server}-run{run}.nettrace"));
        string label = server switch
        {
            Reference => "reference",
            OursStdio => "ours stdio",
            _ => "ours http",
        };
        string description = server switch
        {
            Reference => $"{ReferenceServer.Package} {reference!.PackageVersion} on node {reference.NodeVersion}, stdio",
            OursStdio => "KernelMemoryPlus server, stdio (--stdio)",
            _ => "KernelMemoryPlus server, Streamable HTTP (/mcp)",
        };

        long t0 = Stopwatch.GetTimestamp();
        ChildProcess process;
        HttpClient? http = null;
        switch (server)
        {
            case Reference:
                process = reference!.Start(Path.Combine(folder.Path, "memory.jsonl"));
                break;
            case OursStdio:
                process = KmpServer.StartStdio(dll!, folder.Path, profile);
                break;
            default:
                Uri baseAddress;
                (process, baseAddress) = await KmpServer.StartHttpAsync(dll!, folder.Path, profile, cancellationToken);
                http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
                break;
        }

        McpClient? client = null;
        try
        {
            using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                connectTimeout.CancelAfter(TimeSpan.FromSeconds(90));
                try
                {
                    client = http is null
                        ? await McpConnect.StdioAsync(process, connectTimeout.Token)
                        : await McpConnect.HttpAsync(http.BaseAddress!, http, connectTimeout.Token);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or McpException or HttpRequestException or InvalidOperationException)
                {
                    throw new BenchException($"{description}: the MCP session did not start ({ex.GetType().Name}: {ex.Message}). The server's last log lines: {process.LastLines(5)}");
                }
            }

            double startup = Stats.Ms(t0, Stopwatch.GetTimestamp()) / 1000.0;
            var phases = new List<PeerPhase>();

            // 1. create_entities in batches.
            var createTask = ctx.AddTask(Markup.Escape($"run {run} {label}: create_entities ({workload.Graph.Count:N0} entities)"), maxValue: workload.Creates.Count);
            var (create, _) = await MeasureAsync("create", client, process, description, workload.Creates, createTask, (i, result, names) =>
                names.Count == workload.CreateSizes[i] ? null : $"create_entities call {i + 1} returned {names.Count} entities instead of {workload.CreateSizes[i]}", cancellationToken);
            phases.Add(create with { ItemsPerCall = workload.CreateSizes[0], ItemsPerSecond = Math.Round(workload.Graph.Count / create.WallSeconds, 1) });

            // 2. Warm-up (JIT on both runtimes), not measured.
            if (workload.WarmSearches.Count + workload.WarmOpens.Count > 0)
            {
                var warmTask = ctx.AddTask(Markup.Escape($"run {run} {label}: warm-up"), maxValue: workload.WarmSearches.Count + workload.WarmOpens.Count);
                await MeasureAsync("warm-up", client, process, description, [.. workload.WarmSearches, .. workload.WarmOpens], warmTask, (_, _, _) => null, cancellationToken);
            }

            // 3. search_nodes, with the rank of the intended entity.
            var searchTask = ctx.AddTask(Markup.Escape($"run {run} {label}: search_nodes"), maxValue: workload.Searches.Count);
            var ranks = new int?[workload.Queries.Count];
            var returned = new int[workload.Queries.Count];
            var (search, searchMs) = await MeasureAsync("search", client, process, description, workload.Searches, searchTask, (i, _, names) =>
            {
                var intended = workload.Graph[workload.Queries[i].EntityIndex].Name;
                int at = names.FindIndex(n => string.Equals(n, intended, StringComparison.OrdinalIgnoreCase));
                ranks[i] = at < 0 ? null : at + 1;
                returned[i] = names.Count;
                return null;
            }, cancellationToken);
            phases.Add(search);

            // 4. open_nodes: every requested entity must come back.
            var openTask = ctx.AddTask(Markup.Escape($"run {run} {label}: open_nodes"), maxValue: workload.Opens.Count);
            var (open, _) = await MeasureAsync("open", client, process, description, workload.Opens, openTask, (i, _, names) =>
            {
                var missing = workload.OpenNames[i].Where(n => !names.Contains(n, StringComparer.OrdinalIgnoreCase)).ToList();
                return missing.Count == 0 ? null : $"open_nodes did not return {string.Join(", ", missing)}";
            }, cancellationToken);
            phases.Add(open with { ItemsPerCall = workload.OpenNames[0].Length, ItemsPerSecond = Math.Round(open.CallsPerSecond * workload.OpenNames[0].Length, 1) });

            var peak = ProcStats.PeakRssBytes(process.Pid);
            var outcomes = workload.Queries.Select((q, i) => new PeerQueryOutcome(
                q.Text,
                q.Kind.ToString().ToLowerInvariant(),
                q.HasTypo,
                workload.Graph[q.EntityIndex].Name,
                ranks[i],
                returned[i],
                Math.Round(searchMs[i], 3))).ToList();
            await client.DisposeAsync();
            client = null;
            await process.StopAsync(TimeSpan.FromSeconds(30));
            return new PeerServerRun(
                server,
                description,
                run,
                Math.Round(startup, 2),
                phases,
                Quality(outcomes),
                peak is null ? null : Math.Round(peak.Value / 1048576.0, 1),
                Math.Round(folder.SizeBytes() / 1048576.0, 2),
                loadBefore,
                ProcStats.LoadAverage(),
                process.LogLines,
                run == 1 ? outcomes : null);
        }
        finally
        {
            if (client is not null)
            {
                await client.DisposeAsync();
            }

            http?.Dispose();
            await process.StopAsync(TimeSpan.FromSeconds(30));
            await process.DisposeAsync();
        }
    }

    /// <summary>Runs the calls one at a time, timing each; counts errors; reads the server's CPU time around the phase.</summary>
    private static async Task<(PeerPhase Phase, double[] LatencyMs)> MeasureAsync(
        string phase,
        McpClient client,
        ChildProcess process,
        string description,
        IReadOnlyList<CallToolRequestParams> requests,
        ProgressTask task,
        Func<int, CallToolResult, List<string>, string?> check,
        CancellationToken cancellationToken)
    {
        var ms = new double[requests.Count];
        int errors = 0;
        string? firstError = null;
        long responseChars = 0, entitiesReturned = 0;
        int handler0 = process.HandlerTimeCount;
        double? serverCpu0 = ProcStats.CpuSeconds(process.Pid);
        double clientCpu0 = ProcStats.SelfCpuSeconds();
        // Only the calls are timed: the harness reads and scores the answers after the phase, so its own work (parsing
        // every answer's entity list, ranking the intended entity) is neither in the calls/s nor in the client CPU.
        var results = new CallToolResult?[requests.Count];
        var thrown = new string?[requests.Count];
        long p0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < requests.Count; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            try
            {
                results[i] = await McpCalls.CallAsync(client, requests[i], cancellationToken);
                ms[i] = Stats.Ms(t0, Stopwatch.GetTimestamp());
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is McpException or IOException or HttpRequestException or InvalidOperationException or System.Text.Json.JsonException)
            {
                ms[i] = Stats.Ms(t0, Stopwatch.GetTimestamp());
                thrown[i] = $"{requests[i].Name} threw {ex.GetType().Name}: {ex.Message}";
                if (process.HasExited)
                {
                    process.ThrowIfExited(description);
                }

                if (phase == "create")
                {
                    // Later phases depend on the entities: stop here rather than measure an empty graph.
                    throw new BenchException($"{description}: {thrown[i]}");
                }
            }

            task.Increment(1);
        }

        double wallSeconds = Stats.Ms(p0, Stopwatch.GetTimestamp()) / 1000.0;
        double? serverCpu1 = ProcStats.CpuSeconds(process.Pid);
        double clientCpu1 = ProcStats.SelfCpuSeconds();
        for (int i = 0; i < requests.Count; i++)
        {
            string? error = thrown[i];
            if (results[i] is { } result)
            {
                var text = McpCalls.Text(result);
                responseChars += text.Length;
                if (result.IsError == true)
                {
                    error = $"{requests[i].Name} returned an error: {McpCalls.ErrorText(result)}";
                }
                else
                {
                    var names = McpCalls.EntityNames(result);
                    entitiesReturned += names.Count;
                    error = check(i, result, names);
                }
            }

            if (error is not null)
            {
                errors++;
                firstError ??= error;
                if (phase == "create")
                {
                    throw new BenchException($"{description}: {error}");
                }
            }
        }

        task.Description = Markup.Escape($"{task.Description}: {requests.Count / wallSeconds:0.##} calls/s, {errors} errors");
        task.StopTask();
        int n = requests.Count;

        // The server logs asynchronously: give its last lines a moment to arrive.
        for (int wait = 0; wait < 20 && process.HandlerTimeCount > 0 && process.HandlerTimeCount - handler0 < n; wait++)
        {
            await Task.Delay(100, cancellationToken);
        }

        var handler = process.HandlerTimesFrom(handler0);
        return (new PeerPhase(
            phase,
            n,
            1,
            Math.Round(wallSeconds, 3),
            Math.Round(n / wallSeconds, 2),
            Math.Round(n / wallSeconds, 2),
            LatencySummary.FromMilliseconds(ms),
            serverCpu0 is null || serverCpu1 is null ? null : Math.Round((serverCpu1.Value - serverCpu0.Value) * 1000.0 / n, 3),
            Math.Round((clientCpu1 - clientCpu0) * 1000.0 / n, 3),
            errors,
            firstError,
            Math.Round(responseChars / 1024.0 / n, 2),
            Math.Round((double)entitiesReturned / n, 1),
            handler.Count == n ? LatencySummary.FromMilliseconds(handler) : null), ms);
    }

    private static List<PeerQuality> Quality(IReadOnlyList<PeerQueryOutcome> outcomes)
    {
        var subsets = new (string Name, Func<PeerQueryOutcome, bool> Filter)[]
        {
            ("all", _ => true),
            ("no typo", o => !o.Typo),
            ("typo", o => o.Typo),
            ("name", o => o.Kind == "name"),
            ("phrase", o => o.Kind == "phrase"),
            ("mixed", o => o.Kind == "mixed"),
        };
        var list = new List<PeerQuality>();
        foreach (var (name, filter) in subsets)
        {
            var subset = outcomes.Where(filter).ToList();
            if (subset.Count == 0)
            {
                continue;
            }

            var found = subset.Where(o => o.Rank is not null).Select(o => (double)o.Rank!.Value).ToList();
            list.Add(new PeerQuality(
                name,
                subset.Count,
                Math.Round((double)found.Count / subset.Count, 4),
                Math.Round((double)subset.Count(o => o.Rank == 1) / subset.Count, 4),
                Math.Round((double)subset.Count(o => o.Rank <= 10) / subset.Count, 4),
                Math.Round(subset.Sum(o => o.Rank is int r ? 1.0 / r : 0) / subset.Count, 4),
                found.Count == 0 ? null : Stats.Median(found),
                Math.Round(subset.Average(o => o.Returned), 1)));
        }

        return list;
    }

    private static List<PeerMedian> Medians(IReadOnlyList<PeerServerRun> runs, IReadOnlyList<string> servers)
    {
        var medians = new List<PeerMedian>();
        foreach (var server in servers)
        {
            var mine = runs.Where(r => r.Server == server).ToList();
            foreach (var phase in new[] { "create", "search", "open" })
            {
                var p = mine.Select(r => r.Phases.First(x => x.Phase == phase)).ToList();
                if (p.Count == 0)
                {
                    continue;
                }

                var cpu = p.Where(x => x.ServerCpuMsPerCall is not null).Select(x => x.ServerCpuMsPerCall!.Value).ToList();
                var handler = p.Where(x => x.ServerHandler is not null).Select(x => x.ServerHandler!.P50Ms).ToList();
                medians.Add(new PeerMedian(
                    server,
                    phase,
                    p.Count,
                    Math.Round(Stats.Median(p.Select(x => x.CallsPerSecond)), 2),
                    Math.Round(Stats.Median(p.Select(x => x.ItemsPerSecond)), 1),
                    Math.Round(Stats.Median(p.Select(x => x.Latency.P50Ms)), 3),
                    Math.Round(Stats.Median(p.Select(x => x.Latency.P99Ms)), 3),
                    cpu.Count == 0 ? null : Math.Round(Stats.Median(cpu), 3),
                    Math.Round(Stats.Median(p.Select(x => x.ClientCpuMsPerCall)), 3),
                    p.Sum(x => x.Errors),
                    handler.Count == 0 ? null : Math.Round(Stats.Median(handler), 3)));
            }
        }

        return medians;
    }

    private static List<PeerRatio> Ratios(IReadOnlyList<PeerMedian> medians)
    {
        var ratios = new List<PeerRatio>();
        foreach (var ours in medians.Where(m => m.Server != Reference))
        {
            if (medians.FirstOrDefault(m => m.Server == Reference && m.Phase == ours.Phase) is { } theirs)
            {
                ratios.Add(new PeerRatio(
                    ours.Server,
                    ours.Phase,
                    Math.Round(ours.CallsPerSecond / theirs.CallsPerSecond, 3),
                    Math.Round(ours.P50Ms / theirs.P50Ms, 3),
                    Math.Round(ours.P99Ms / theirs.P99Ms, 3)));
            }
        }

        return ratios;
    }

    private static void Print(PeerResults results, PeerSettings settings)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"peer: {settings.Entities:N0} entities, one call at a time, median of {settings.Runs} run(s)"))
            .Caption(Markup.Escape("items/s: entities created per second (create), names opened per second (open). handler p50: our server's own time per tools/call (from its log). CPU columns: per call, server process / harness (client) process."));
        table.AddColumn("server");
        table.AddColumn("phase");
        foreach (var column in new[] { "calls", "calls/s", "items/s", "p50 ms", "p99 ms", "handler p50 ms", "server CPU ms", "client CPU ms", "errors" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var m in results.Medians)
        {
            var calls = results.Runs.First(r => r.Server == m.Server).Phases.First(p => p.Phase == m.Phase).Calls;
            table.AddRow(
                m.Server,
                m.Phase,
                calls.ToString("N0", CultureInfo.InvariantCulture),
                ConsoleReport.Format(m.CallsPerSecond),
                ConsoleReport.Format(m.ItemsPerSecond),
                $"{m.P50Ms:0.000}",
                $"{m.P99Ms:0.000}",
                m.HandlerP50Ms is double h ? $"{h:0.000}" : "-",
                m.ServerCpuMsPerCall is double s ? $"{s:0.000}" : "-",
                $"{m.ClientCpuMsPerCall:0.000}",
                m.Errors == 0 ? "0" : $"[red]{m.Errors}[/]");
        }

        AnsiConsole.Write(table);

        if (results.Ratios.Count > 0)
        {
            var ratios = new Table().Border(TableBorder.Rounded).Title("ours / reference (throughput: above 1 = ours faster; latency: below 1 = ours faster)");
            ratios.AddColumn("server");
            ratios.AddColumn("phase");
            ratios.AddColumn(new TableColumn("throughput ×").RightAligned());
            ratios.AddColumn(new TableColumn("p50 ×").RightAligned());
            ratios.AddColumn(new TableColumn("p99 ×").RightAligned());
            foreach (var r in results.Ratios)
            {
                ratios.AddRow(r.Server, r.Phase, $"{r.ThroughputRatio:0.000}", $"{r.P50Ratio:0.000}", $"{r.P99Ratio:0.000}");
            }

            AnsiConsole.Write(ratios);
        }

        var quality = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"search quality, run 1 ({results.Runs[0].Quality[0].Queries:N0} queries, {results.QueriesWithTypo} with a typo)"))
            .Caption("found = the intended entity is in the result at all; top1/top10 = at rank 1 / within the first 10; MRR = mean reciprocal rank.");
        quality.AddColumn("server");
        quality.AddColumn("subset");
        foreach (var column in new[] { "queries", "found", "top1", "top10", "MRR", "median rank", "entities returned" })
        {
            quality.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (var run in results.Runs.Where(r => r.Run == 1))
        {
            foreach (var q in run.Quality)
            {
                quality.AddRow(
                    run.Server,
                    q.Subset,
                    q.Queries.ToString(CultureInfo.InvariantCulture),
                    $"{q.Found:P1}",
                    $"{q.Top1:P1}",
                    $"{q.Top10:P1}",
                    $"{q.Mrr:0.000}",
                    q.MedianRankWhenFound is double rank ? $"{rank:0.#}" : "-",
                    $"{q.MeanEntitiesReturned:0.0}");
            }
        }

        AnsiConsole.Write(quality);
        foreach (var run in results.Runs)
        {
            AnsiConsole.MarkupLine(Markup.Escape(
                $"run {run.Run} {run.Server}: startup {run.StartupSeconds:0.00} s, peak RSS {run.ServerPeakRssMB?.ToString("0", CultureInfo.InvariantCulture) ?? "?"} MB, data {run.DataMB:0.0} MB, " +
                $"load average {run.LoadAverageBefore?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"} → {run.LoadAverageAfter?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?"}, server log lines {run.ServerLogLines:N0}"));
        }
    }

    /// <summary>Everything sent to each server, built once.</summary>
    private sealed record Workload(
        IReadOnlyList<CallToolRequestParams> Creates,
        IReadOnlyList<int> CreateSizes,
        IReadOnlyList<CallToolRequestParams> WarmSearches,
        IReadOnlyList<GraphQuery> Queries,
        IReadOnlyList<CallToolRequestParams> Searches,
        IReadOnlyList<CallToolRequestParams> WarmOpens,
        IReadOnlyList<string[]> OpenNames,
        IReadOnlyList<CallToolRequestParams> Opens,
        IReadOnlyList<GraphEntitySpec> Graph);
}
