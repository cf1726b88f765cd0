using System.CommandLine;
using KernelMemoryPlus.Bench.Commands;

namespace KernelMemoryPlus.Bench;

/// <summary>
/// The benchmark harness: <c>dotnet run -c Release --project bench/KernelMemoryPlus.Bench -- &lt;command&gt; [options]</c>.
/// One class per command under Commands/; shared helpers (synthetic corpus, statistics, machine description, JSON
/// report) under Infrastructure/.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Logs and CI capture the output: give tables room instead of the 80 columns assumed without a terminal.
        if (Console.IsOutputRedirected)
        {
            Spectre.Console.AnsiConsole.Profile.Width = 150;
        }

        var root = new RootCommand("KernelMemoryPlus benchmark harness. Run a command with --help for its options.")
        {
            IngestCommand.Create(),
            RecallCommand.Create(),
            PeerCommand.Create(),
            LoadCommand.Create(),
            LocomoCommand.Create(),
            ScaleCommand.Create(),
            RecallLatencyCommand.Create(),
            ChartCommand.Create(),
        };

        return await root.Parse(args).InvokeAsync();
    }
}
