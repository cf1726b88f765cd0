using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Load;

/// <summary>The options of <c>load</c>.</summary>
/// <param name="Clients">Concurrent clients.</param>
/// <param name="DurationSeconds">Measured window.</param>
/// <param name="WarmupSeconds">Unmeasured load before the window.</param>
/// <param name="Preload">Memories stored before the run (REST batch), so reads have targets.</param>
/// <param name="WriteShare">Share of operations that store a memory (split evenly between MCP and REST).</param>
/// <param name="LatencyCalls">Sequential MCP <c>get</c> calls measured after the load.</param>
/// <param name="LatencyWarmup">Unmeasured sequential calls before those.</param>
/// <param name="IdleSeconds">RSS sampling with no calls at the end.</param>
/// <param name="ServerDll">The server dll, or null for the repository's Release build.</param>
/// <param name="ProfileDir">Where an EventPipe profile of the server goes, or null.</param>
/// <param name="Seed">Seed of the corpus and the clients' choices.</param>
/// <param name="Json">JSON report path, or null.</param>
internal sealed record LoadSettings(
    int Clients,
    int DurationSeconds,
    int WarmupSeconds,
    int Preload,
    double WriteShare,
    int LatencyCalls,
    int LatencyWarmup,
    int IdleSeconds,
    string? ServerDll,
    string? ProfileDir,
    int Seed,
    string? Json);

/// <summary>The operations of the mix.</summary>
internal enum LoadOperation
{
    /// <summary>MCP tool <c>remember</c>.</summary>
    McpRemember,

    /// <summary>MCP tool <c>recall</c>.</summary>
    McpRecall,

    /// <summary>MCP tool <c>get</c>.</summary>
    McpGet,

    /// <summary>REST <c>POST /api/v1/memories</c>.</summary>
    RestCreate,

    /// <summary>REST <c>POST /api/v1/recall</c>.</summary>
    RestRecall,

    /// <summary>REST <c>GET /api/v1/memories/{id}</c>.</summary>
    RestGet,
}

/// <summary>One operation's share of the measured window.</summary>
/// <param name="Operation">What was called.</param>
/// <param name="Weight">Its share of the mix.</param>
/// <param name="Calls">Calls started in the window.</param>
/// <param name="CallsPerSecond">Calls per second over the window.</param>
/// <param name="Latency">Client-side latency.</param>
/// <param name="Errors">Failed calls.</param>
internal sealed record LoadOperationResult(string Operation, double Weight, int Calls, double CallsPerSecond, LatencySummary Latency, int Errors);

/// <summary>The server's resident memory at one moment.</summary>
/// <param name="Seconds">Seconds since the server answered /healthz.</param>
/// <param name="RssMB">VmRSS.</param>
/// <param name="Phase">What the harness was doing.</param>
/// <param name="Memories">Memories stored so far (as far as the harness knows).</param>
internal sealed record RssSample(double Seconds, double RssMB, string Phase, int Memories);

/// <summary>Whether the server's memory stays flat under load.</summary>
/// <param name="IdleMB">Right after start-up.</param>
/// <param name="AfterPreloadMB">After the preload.</param>
/// <param name="MeasuredStartMB">First sample of the measured window.</param>
/// <param name="MeasuredMaxMB">Largest sample of the window.</param>
/// <param name="MeasuredEndMB">Last sample of the window.</param>
/// <param name="SecondHalfSlopeMBPerMinute">Least-squares slope of RSS over the second half of the window.</param>
/// <param name="SecondHalfMemoriesAdded">Memories stored during the second half.</param>
/// <param name="SecondHalfSlopeMBPer1000Memories">RSS growth over the second half per 1,000 memories stored then (null when none were).</param>
/// <param name="FinalMB">After the sequential latency run.</param>
/// <param name="IdleEndMB">After the idle seconds at the end.</param>
/// <param name="PeakMB">VmHWM at the end.</param>
internal sealed record RssSummary(
    double IdleMB,
    double AfterPreloadMB,
    double MeasuredStartMB,
    double MeasuredMaxMB,
    double MeasuredEndMB,
    double SecondHalfSlopeMBPerMinute,
    int SecondHalfMemoriesAdded,
    double? SecondHalfSlopeMBPer1000Memories,
    double FinalMB,
    double IdleEndMB,
    double? PeakMB);

/// <summary>A sequential latency series on the quiet server.</summary>
/// <param name="Operation">What was called.</param>
/// <param name="Warmup">Unmeasured calls first.</param>
/// <param name="Latency">Client-side latency.</param>
/// <param name="Errors">Failed calls.</param>
internal sealed record SequentialLatency(string Operation, int Warmup, LatencySummary Latency, int Errors);

/// <summary>What <c>load</c> measured.</summary>
/// <param name="Server">The server build.</param>
/// <param name="Clients">Concurrent clients (each an MCP session plus REST calls on a shared HTTP connection pool).</param>
/// <param name="MeasuredSeconds">The window.</param>
/// <param name="IdleSeconds">RSS sampling with no calls at the end.</param>
/// <param name="Calls">Calls started in the window.</param>
/// <param name="CallsPerSecond">All operations per second.</param>
/// <param name="Errors">Failed calls in the window.</param>
/// <param name="WarmupCalls">Calls during the warm-up.</param>
/// <param name="WarmupErrors">Failed calls during the warm-up.</param>
/// <param name="FirstErrors">The first error messages.</param>
/// <param name="Operations">Per operation.</param>
/// <param name="ServerCpuCores">Server CPU seconds per second during the window.</param>
/// <param name="HarnessCpuCores">Harness CPU seconds per second during the window (the 50 clients share the machine).</param>
/// <param name="MemoriesAtStart">Memories in the namespace when the window started.</param>
/// <param name="MemoriesAtEnd">Memories when it ended.</param>
/// <param name="Rss">Memory summary.</param>
/// <param name="Sequential">Sequential latency runs after the load.</param>
/// <param name="LoadAverageBefore">1-minute load average before.</param>
/// <param name="LoadAverageAfter">1-minute load average after.</param>
/// <param name="ServerLogLines">Lines the server logged.</param>
/// <param name="ServerExitCode">Exit code after SIGTERM (null when it had to be killed).</param>
/// <param name="RssSamples">Every sample (one per second).</param>
internal sealed record LoadResults(
    string Server,
    int Clients,
    double MeasuredSeconds,
    int IdleSeconds,
    int Calls,
    double CallsPerSecond,
    int Errors,
    int WarmupCalls,
    int WarmupErrors,
    IReadOnlyList<string> FirstErrors,
    IReadOnlyList<LoadOperationResult> Operations,
    double? ServerCpuCores,
    double HarnessCpuCores,
    int MemoriesAtStart,
    int MemoriesAtEnd,
    RssSummary Rss,
    IReadOnlyList<SequentialLatency> Sequential,
    double? LoadAverageBefore,
    double? LoadAverageAfter,
    long ServerLogLines,
    int? ServerExitCode,
    IReadOnlyList<RssSample> RssSamples);
