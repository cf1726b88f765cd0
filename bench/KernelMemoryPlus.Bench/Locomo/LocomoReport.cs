using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Locomo;

/// <summary>
/// The JSON document of <c>locomo --json FILE</c>. The fields the issue names (<c>questions</c>, <c>recall</c>,
/// <c>byCategory</c>, <c>embedder</c>, <c>msPerQuery</c>) sit at the top level; the rest follows
/// <see cref="BenchReport"/> (command, machine, settings, further results, targets).
/// </summary>
/// <param name="Questions">Questions scored (every question with evidence, all five categories).</param>
/// <param name="Recall">Mean recall@k over all questions, keyed by k ("5", "10", ...), as a fraction.</param>
/// <param name="ByCategory">The same per category ("1".."5").</param>
/// <param name="Embedder">The embedding model, its dimensions and provider.</param>
/// <param name="MsPerQuery">Mean wall time of one recall (query embedding included), in milliseconds.</param>
/// <param name="Command">The harness command.</param>
/// <param name="StartedAtUtc">When the command started.</param>
/// <param name="DurationSeconds">Wall time of the whole command.</param>
/// <param name="Machine">What it ran on.</param>
/// <param name="Settings">The options and the engine settings used.</param>
/// <param name="Details">Further measurements (categories 1–4, latency percentiles, per conversation, ...).</param>
/// <param name="Targets">The target and whether it was met.</param>
internal sealed record LocomoReport(
    int Questions,
    IReadOnlyDictionary<string, double> Recall,
    IReadOnlyDictionary<string, Dictionary<string, double>> ByCategory,
    string Embedder,
    double MsPerQuery,
    string Command,
    DateTimeOffset StartedAtUtc,
    double DurationSeconds,
    MachineDescription Machine,
    object Settings,
    object Details,
    IReadOnlyList<TargetCheck> Targets)
{
    private static readonly JsonSerializerOptions s_options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Format version of the JSON document; bump it when fields change meaning.</summary>
    public int SchemaVersion { get; init; } = 1;

    /// <summary>The harness that wrote it.</summary>
    public string Tool { get; init; } = "KernelMemoryPlus.Bench";

    /// <summary>Writes the report to a file (replacing it) through a temporary file.</summary>
    /// <param name="path">The file.</param>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task WriteAsync(string path, LocomoReport report, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = full + ".tmp";
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(report, s_options) + "\n", cancellationToken);
        File.Move(temp, full, overwrite: true);
    }
}
