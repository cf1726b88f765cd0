using System.Globalization;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>The system load averages (Linux <c>/proc/loadavg</c>): how busy the shared machine was around a measurement.</summary>
/// <param name="One">1-minute load average.</param>
/// <param name="Five">5-minute load average.</param>
/// <param name="Fifteen">15-minute load average.</param>
internal sealed record LoadAverages(double One, double Five, double Fifteen)
{
    /// <summary>The current load averages, or null where the platform has none.</summary>
    public static LoadAverages? Read()
    {
        try
        {
            if (!File.Exists("/proc/loadavg"))
            {
                return null;
            }

            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return new LoadAverages(
                double.Parse(parts[0], CultureInfo.InvariantCulture),
                double.Parse(parts[1], CultureInfo.InvariantCulture),
                double.Parse(parts[2], CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{One:0.00} / {Five:0.00} / {Fifteen:0.00}");
}
