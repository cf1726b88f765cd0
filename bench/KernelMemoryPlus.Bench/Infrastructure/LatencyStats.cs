using System.Diagnostics;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>Latency percentiles of a series of timed operations, in milliseconds.</summary>
/// <param name="Count">How many operations were timed.</param>
/// <param name="MeanMs">Arithmetic mean.</param>
/// <param name="MinMs">Fastest.</param>
/// <param name="P50Ms">Median.</param>
/// <param name="P90Ms">90th percentile.</param>
/// <param name="P95Ms">95th percentile.</param>
/// <param name="P99Ms">99th percentile.</param>
/// <param name="MaxMs">Slowest.</param>
internal sealed record LatencySummary(int Count, double MeanMs, double MinMs, double P50Ms, double P90Ms, double P95Ms, double P99Ms, double MaxMs)
{
    /// <summary>Summarizes durations given in <see cref="Stopwatch"/> ticks.</summary>
    /// <param name="stopwatchTicks">One duration per operation.</param>
    public static LatencySummary FromStopwatchTicks(IReadOnlyCollection<long> stopwatchTicks) =>
        FromMilliseconds(stopwatchTicks.Select(t => t * 1000.0 / Stopwatch.Frequency).ToList());

    /// <summary>Summarizes durations given in milliseconds.</summary>
    /// <param name="milliseconds">One duration per operation.</param>
    public static LatencySummary FromMilliseconds(IReadOnlyCollection<double> milliseconds)
    {
        if (milliseconds.Count == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);
        }

        var sorted = milliseconds.Order().ToArray();
        return new LatencySummary(
            sorted.Length,
            Round(sorted.Average()),
            Round(sorted[0]),
            Round(Stats.Percentile(sorted, 0.50)),
            Round(Stats.Percentile(sorted, 0.90)),
            Round(Stats.Percentile(sorted, 0.95)),
            Round(Stats.Percentile(sorted, 0.99)),
            Round(sorted[^1]));
    }

    private static double Round(double value) => Math.Round(value, 4);
}

/// <summary>Small statistics helpers.</summary>
internal static class Stats
{
    /// <summary>The percentile <paramref name="q"/> (0..1) of sorted values, by linear interpolation between closest ranks.</summary>
    /// <param name="sorted">Values in ascending order; at least one.</param>
    /// <param name="q">The quantile, 0..1.</param>
    public static double Percentile(IReadOnlyList<double> sorted, double q)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sorted.Count);
        if (sorted.Count == 1)
        {
            return sorted[0];
        }

        double position = q * (sorted.Count - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        double fraction = position - lower;
        return sorted[lower] + ((sorted[upper] - sorted[lower]) * fraction);
    }

    /// <summary>The median of a non-empty series.</summary>
    /// <param name="values">The values, in any order.</param>
    public static double Median(IEnumerable<double> values) => Percentile(values.Order().ToArray(), 0.5);

    /// <summary>Milliseconds between two <see cref="Stopwatch.GetTimestamp"/> values.</summary>
    /// <param name="start">Start timestamp.</param>
    /// <param name="end">End timestamp.</param>
    public static double Ms(long start, long end) => (end - start) * 1000.0 / Stopwatch.Frequency;
}
