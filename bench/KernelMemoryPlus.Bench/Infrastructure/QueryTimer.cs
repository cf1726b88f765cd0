using System.Diagnostics;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>What <see cref="QueryTimer.MeasureAsync{T}"/> measured over a series of calls.</summary>
/// <param name="Latency">Wall-clock latency per call.</param>
/// <param name="ThreadCpu">CPU time of the calling thread per call (null when unavailable or a call left the thread).</param>
/// <param name="AllocatedBytesPerCall">Managed bytes allocated by the calling thread per call.</param>
/// <param name="GcPauseMicrosecondsPerCall">GC pause time during the measured calls, per call.</param>
/// <param name="Gen0">Gen-0 GCs during the measured calls.</param>
/// <param name="Gen2">Gen-2 GCs during the measured calls.</param>
internal sealed record Measurement(LatencySummary Latency, LatencySummary? ThreadCpu, double AllocatedBytesPerCall, double GcPauseMicrosecondsPerCall, int Gen0, int Gen2);

/// <summary>Times a series of in-process calls: wall clock, the calling thread's CPU time, allocations and GC.</summary>
/// <remarks>Shared by <c>recall</c> and <c>recall-latency</c>.</remarks>
internal static class QueryTimer
{
    /// <summary>Runs the warm-up calls, then times each measured call (wall clock, thread CPU time, allocations).</summary>
    /// <typeparam name="T">The query type.</typeparam>
    /// <param name="task">Progress task, advanced per call and stopped at the end.</param>
    /// <param name="warmup">Calls made first, not measured.</param>
    /// <param name="measured">Calls timed.</param>
    /// <param name="call">The call; its second argument says whether it is measured.</param>
    public static async Task<Measurement> MeasureAsync<T>(
        ProgressTask task,
        IReadOnlyList<T> warmup,
        IReadOnlyList<T> measured,
        Func<T, bool, Task> call)
    {
        foreach (var question in warmup)
        {
            await call(question, false);
            task.Increment(1);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var wallTicks = new long[measured.Count];
        var cpuNs = new List<double>(measured.Count);
        bool cpuValid = ThreadCpuTime.IsAvailable;
        long allocated = 0;
        var pause = GC.GetTotalPauseDuration();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        for (int i = 0; i < measured.Count; i++)
        {
            int thread = Environment.CurrentManagedThreadId;
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long c0 = ThreadCpuTime.NowNanoseconds();
            long t0 = Stopwatch.GetTimestamp();
            await call(measured[i], true);
            wallTicks[i] = Stopwatch.GetTimestamp() - t0;

            // Thread CPU time and allocations are only meaningful when the call completed on this thread.
            if (Environment.CurrentManagedThreadId == thread)
            {
                cpuNs.Add((ThreadCpuTime.NowNanoseconds() - c0) / 1e6);
                allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
            }
            else
            {
                cpuValid = false;
            }

            if ((i & 15) == 15)
            {
                task.Increment(16);
            }
        }

        double pauseUs = (GC.GetTotalPauseDuration() - pause).TotalMilliseconds * 1000.0;
        int gen0Count = GC.CollectionCount(0) - gen0, gen2Count = GC.CollectionCount(2) - gen2;
        task.Value = task.MaxValue;
        task.StopTask();
        return new Measurement(
            LatencySummary.FromStopwatchTicks(wallTicks),
            cpuValid ? LatencySummary.FromMilliseconds(cpuNs) : null,
            cpuNs.Count == 0 ? 0 : Math.Round((double)allocated / cpuNs.Count, 0),
            Math.Round(pauseUs / measured.Count, 2),
            gen0Count,
            gen2Count);
    }
}
