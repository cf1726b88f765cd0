using System.CommandLine;
using KernelMemoryPlus.Bench.Charts;
using KernelMemoryPlus.Bench.Infrastructure;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>
/// <c>chart</c>: draws SVG charts from the harness's JSON reports — recall@k against the LoCoMo paper's DRAGON
/// reference (locomo), vector search latency against collection size (scale), full recall latency against namespace
/// size (recall-latency). Reports of the same kind go into one chart; each kind gets its own file.
/// </summary>
internal static class ChartCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var inputs = new Option<string[]>("--input")
        {
            Description = "A JSON report written by locomo, scale or recall-latency with --json; repeat for more. FILE=LABEL names its series (default: from the file name).",
            HelpName = "FILE[=LABEL]",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string>("--out")
        {
            Description = "Folder for the SVG files (created if missing): locomo-recall.svg, scale-latency.svg, recall-latency.svg.",
            HelpName = "DIR",
            Required = true,
        };

        var command = new Command("chart", "Draws SVG charts (recall@k curves, latency against size) from the JSON reports of locomo, scale and recall-latency.")
        {
            inputs, output,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "chart",
            ct => RunAsync(parse.GetValue(inputs)!, parse.GetValue(output)!, ct),
            cancellationToken));
        return command;
    }

    /// <summary>Reads the reports and writes one chart per kind.</summary>
    /// <param name="inputs">The <c>--input</c> values.</param>
    /// <param name="output">The output folder.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(IReadOnlyList<string> inputs, string output, CancellationToken cancellationToken)
    {
        var loaded = inputs.Select(BenchCharts.Load).ToList();
        if (File.Exists(output))
        {
            throw new BenchException($"--out: '{output}' is a file; give a folder.");
        }

        Directory.CreateDirectory(output);
        foreach (var group in loaded.GroupBy(i => i.Kind))
        {
            var chart = BenchCharts.Build(group.Key, [.. group]);
            var path = Path.Combine(output, BenchCharts.FileName(group.Key));
            var temp = path + ".tmp";
            await File.WriteAllTextAsync(temp, chart.ToSvg(), cancellationToken);
            File.Move(temp, path, overwrite: true);
            AnsiConsole.MarkupLine(Markup.Escape($"{group.Key}: {string.Join(", ", group.Select(i => i.Path))} → {path}"));
        }

        return 0;
    }
}
