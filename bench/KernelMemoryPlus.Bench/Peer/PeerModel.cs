using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Peer;

/// <summary>The options of <c>peer</c>.</summary>
/// <param name="Entities">Entities created.</param>
/// <param name="Batch">Entities per create_entities call.</param>
/// <param name="Searches">Measured search_nodes calls.</param>
/// <param name="Opens">Measured open_nodes calls.</param>
/// <param name="Warmup">Unmeasured search_nodes and open_nodes calls before the measured ones.</param>
/// <param name="NamesPerOpen">Names per open_nodes call.</param>
/// <param name="TypoRate">Share of search queries with a typo.</param>
/// <param name="Runs">How many times the whole workload runs against each server.</param>
/// <param name="Servers">Which servers: reference, ours-stdio, ours-http.</param>
/// <param name="ServerDll">The KernelMemoryPlus server dll, or null for the repository's Release build.</param>
/// <param name="Node">The node executable.</param>
/// <param name="Npm">The npm executable (to install the reference server).</param>
/// <param name="ReferenceDir">Where the reference server is (or gets) installed.</param>
/// <param name="ProfileDir">Where EventPipe sampling profiles of our server processes go, or null.</param>
/// <param name="Seed">Seed of the graph and the queries.</param>
/// <param name="Json">JSON report path, or null.</param>
internal sealed record PeerSettings(
    int Entities,
    int Batch,
    int Searches,
    int Opens,
    int Warmup,
    int NamesPerOpen,
    double TypoRate,
    int Runs,
    IReadOnlyList<string> Servers,
    string? ServerDll,
    string Node,
    string Npm,
    string? ReferenceDir,
    string? ProfileDir,
    int Seed,
    string? Json);

/// <summary>One phase (create, search or open) against one server.</summary>
/// <param name="Phase">create, search or open.</param>
/// <param name="Calls">Tool calls made.</param>
/// <param name="ItemsPerCall">Entities per call (create) or names per call (open); 1 for search.</param>
/// <param name="WallSeconds">Wall time of the phase.</param>
/// <param name="CallsPerSecond">Calls per second (sequential: one call at a time).</param>
/// <param name="ItemsPerSecond">Entities (create), names (open) or queries (search) per second.</param>
/// <param name="Latency">Client-side latency per call.</param>
/// <param name="ServerCpuMsPerCall">Server process CPU time per call (user + system), from /proc.</param>
/// <param name="ClientCpuMsPerCall">Harness process CPU time per call (the MCP client: serialization, transport).</param>
/// <param name="Errors">Calls that threw, returned isError or returned a wrong answer.</param>
/// <param name="FirstError">The first error, for diagnosis.</param>
/// <param name="MeanResponseKB">Mean size of the result's text, in KB.</param>
/// <param name="MeanEntitiesReturned">Mean number of entities in the results.</param>
/// <param name="ServerHandler">
/// Our server's own time per call: the MCP SDK's "tools/call request handler completed in N ms" log lines (null for the
/// reference server, which does not log timings).
/// </param>
internal sealed record PeerPhase(
    string Phase,
    int Calls,
    int ItemsPerCall,
    double WallSeconds,
    double CallsPerSecond,
    double ItemsPerSecond,
    LatencySummary Latency,
    double? ServerCpuMsPerCall,
    double ClientCpuMsPerCall,
    int Errors,
    string? FirstError,
    double MeanResponseKB,
    double MeanEntitiesReturned,
    LatencySummary? ServerHandler);

/// <summary>Search quality over a subset of the queries.</summary>
/// <param name="Subset">all, no typo, typo, name, phrase or mixed.</param>
/// <param name="Queries">Queries in the subset.</param>
/// <param name="Found">Share whose intended entity is anywhere in the result.</param>
/// <param name="Top1">Share whose intended entity is first.</param>
/// <param name="Top10">Share whose intended entity is among the first 10.</param>
/// <param name="Mrr">Mean reciprocal rank (0 when not found).</param>
/// <param name="MedianRankWhenFound">Median rank of the intended entity when found.</param>
/// <param name="MeanEntitiesReturned">Mean result size.</param>
internal sealed record PeerQuality(string Subset, int Queries, double Found, double Top1, double Top10, double Mrr, double? MedianRankWhenFound, double MeanEntitiesReturned);

/// <summary>One measured search.</summary>
/// <param name="Query">The query text.</param>
/// <param name="Kind">name, phrase or mixed.</param>
/// <param name="Typo">Whether it has a typo.</param>
/// <param name="Intended">The entity it was written from.</param>
/// <param name="Rank">1-based rank of that entity in the result, or null.</param>
/// <param name="Returned">Entities returned.</param>
/// <param name="LatencyMs">Client-side latency.</param>
internal sealed record PeerQueryOutcome(string Query, string Kind, bool Typo, string Intended, int? Rank, int Returned, double LatencyMs);

/// <summary>The whole workload against one server, once.</summary>
/// <param name="Server">reference, ours-stdio or ours-http.</param>
/// <param name="Description">What exactly ran.</param>
/// <param name="Run">Run number (1-based).</param>
/// <param name="StartupSeconds">Process start to the MCP session being initialized.</param>
/// <param name="Phases">create, search, open.</param>
/// <param name="Quality">Search quality.</param>
/// <param name="ServerPeakRssMB">Peak resident memory of the server process (VmHWM).</param>
/// <param name="DataMB">Size of the server's data on disk at the end.</param>
/// <param name="LoadAverageBefore">1-minute load average before the run.</param>
/// <param name="LoadAverageAfter">1-minute load average after the run.</param>
/// <param name="ServerLogLines">Lines the server logged (stderr).</param>
/// <param name="Searches">Every measured search (first run only).</param>
internal sealed record PeerServerRun(
    string Server,
    string Description,
    int Run,
    double StartupSeconds,
    IReadOnlyList<PeerPhase> Phases,
    IReadOnlyList<PeerQuality> Quality,
    double? ServerPeakRssMB,
    double DataMB,
    double? LoadAverageBefore,
    double? LoadAverageAfter,
    long ServerLogLines,
    IReadOnlyList<PeerQueryOutcome>? Searches);

/// <summary>Medians over runs of one server's phase.</summary>
/// <param name="Server">The server.</param>
/// <param name="Phase">The phase.</param>
/// <param name="Runs">Runs the median is over.</param>
/// <param name="CallsPerSecond">Median calls per second.</param>
/// <param name="ItemsPerSecond">Median items per second.</param>
/// <param name="P50Ms">Median of the runs' p50.</param>
/// <param name="P99Ms">Median of the runs' p99.</param>
/// <param name="ServerCpuMsPerCall">Median server CPU per call.</param>
/// <param name="ClientCpuMsPerCall">Median client CPU per call.</param>
/// <param name="Errors">Errors over all runs.</param>
/// <param name="HandlerP50Ms">Median of the runs' server-side handler p50 (ours only).</param>
internal sealed record PeerMedian(string Server, string Phase, int Runs, double CallsPerSecond, double ItemsPerSecond, double P50Ms, double P99Ms, double? ServerCpuMsPerCall, double ClientCpuMsPerCall, int Errors, double? HandlerP50Ms);

/// <summary>Ours against the reference for one phase (from the medians).</summary>
/// <param name="Server">ours-stdio or ours-http.</param>
/// <param name="Phase">The phase.</param>
/// <param name="ThroughputRatio">Our calls/s divided by the reference's (above 1: ours is faster).</param>
/// <param name="P50Ratio">Our p50 divided by the reference's (below 1: ours is faster).</param>
/// <param name="P99Ratio">Our p99 divided by the reference's.</param>
internal sealed record PeerRatio(string Server, string Phase, double ThroughputRatio, double P50Ratio, double P99Ratio);

/// <summary>The shape of the generated graph.</summary>
/// <param name="Entities">Entities.</param>
/// <param name="Observations">Observations over all entities.</param>
/// <param name="EntitiesByType">Entities per type.</param>
/// <param name="SampleEntity">One entity, as sent.</param>
/// <param name="SampleQueries">A few measured queries.</param>
internal sealed record GraphShape(int Entities, int Observations, IReadOnlyDictionary<string, int> EntitiesByType, GraphEntitySpec SampleEntity, IReadOnlyList<string> SampleQueries);

/// <summary>What <c>peer</c> measured.</summary>
/// <param name="Complete">False in the copy written after each server, while the command still runs.</param>
/// <param name="Reference">The reference server and its runtime, when it ran.</param>
/// <param name="Ours">Our server build.</param>
/// <param name="Graph">The generated graph.</param>
/// <param name="QueriesWithTypo">Measured queries with a typo.</param>
/// <param name="Medians">Medians over runs per server and phase.</param>
/// <param name="Ratios">Ours against the reference.</param>
/// <param name="Runs">Every run.</param>
internal sealed record PeerResults(
    bool Complete,
    string? Reference,
    string? Ours,
    GraphShape Graph,
    int QueriesWithTypo,
    IReadOnlyList<PeerMedian> Medians,
    IReadOnlyList<PeerRatio> Ratios,
    IReadOnlyList<PeerServerRun> Runs);
