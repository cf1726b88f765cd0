using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>A target of the issue and whether this run met it.</summary>
/// <param name="Name">What is measured.</param>
/// <param name="Goal">The target, in words (for example "≥ 20000 memories/s").</param>
/// <param name="Measured">The measured value.</param>
/// <param name="Unit">Unit of <paramref name="Measured"/>.</param>
/// <param name="Met">Whether the target is met.</param>
internal sealed record TargetCheck(string Name, string Goal, double Measured, string Unit, bool Met);

/// <summary>The machine-readable result of one command, written by <c>--json FILE</c>.</summary>
/// <param name="Command">The harness command.</param>
/// <param name="StartedAtUtc">When the command started.</param>
/// <param name="DurationSeconds">Wall time of the whole command.</param>
/// <param name="Machine">What it ran on.</param>
/// <param name="Settings">The command's options and the engine/store settings used.</param>
/// <param name="Results">The command's measurements.</param>
/// <param name="Targets">The targets that the command checks.</param>
internal sealed record BenchReport(
    string Command,
    DateTimeOffset StartedAtUtc,
    double DurationSeconds,
    MachineDescription Machine,
    object Settings,
    object Results,
    IReadOnlyList<TargetCheck> Targets)
{
    /// <summary>Format version of the JSON document; bump it when fields change meaning.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The harness that wrote it.</summary>
    public string Tool { get; init; } = "KernelMemoryPlus.Bench";
}

/// <summary>Writes reports as indented camelCase JSON.</summary>
internal static class BenchJson
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Serializes a report.</summary>
    /// <param name="report">The report.</param>
    public static string Serialize(BenchReport report) => JsonSerializer.Serialize(report, s_options);

    /// <summary>Writes a report to a file (replacing it), via a temporary file so a reader never sees half a document.</summary>
    /// <param name="path">The file.</param>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task WriteAsync(string path, BenchReport report, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp";
        await File.WriteAllTextAsync(temp, Serialize(report) + "\n", cancellationToken);
        File.Move(temp, full, overwrite: true);
    }
}
