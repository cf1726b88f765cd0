using System.Diagnostics;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>
/// Waits for the process's background work to finish, judged from outside by its CPU use: the engine starts some
/// work on its own (for example building the approximate vector index once a namespace is large enough), and
/// latencies measured while it runs compete with it for the cores. No engine internals are needed.
/// </summary>
internal static class BackgroundWork
{
    /// <summary>
    /// Returns once the process used less than <paramref name="quietCoreFraction"/> of one core over two consecutive
    /// one-second windows, or after <paramref name="maxWait"/>.
    /// </summary>
    /// <param name="maxWait">Longest wait.</param>
    /// <param name="quietCoreFraction">CPU per wall second below which the process counts as idle.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Seconds waited, and whether the process became quiet.</returns>
    public static async Task<(double Seconds, bool Quiet)> WaitForQuietAsync(TimeSpan maxWait, double quietCoreFraction, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        int quietWindows = 0;
        while (watch.Elapsed < maxWait)
        {
            double cpu0 = ProcessCpuSeconds();
            long t0 = Stopwatch.GetTimestamp();
            await Task.Delay(1000, cancellationToken);
            double wall = Stats.Ms(t0, Stopwatch.GetTimestamp()) / 1000.0;
            double used = ProcessCpuSeconds() - cpu0;
            quietWindows = used < quietCoreFraction * wall ? quietWindows + 1 : 0;
            if (quietWindows >= 2)
            {
                return (Math.Round(watch.Elapsed.TotalSeconds, 1), true);
            }
        }

        return (Math.Round(watch.Elapsed.TotalSeconds, 1), false);
    }

    private static double ProcessCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }
}
