using Spectre.Console;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>Human-readable console output shared by the commands.</summary>
internal static class ConsoleReport
{
    /// <summary>Prints the machine description.</summary>
    /// <param name="machine">The machine.</param>
    public static void Machine(MachineDescription machine)
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("[grey]CPU[/]", Markup.Escape($"{machine.CpuModel} ({machine.LogicalCores} logical cores)"));
        grid.AddRow("[grey]RAM[/]", $"{machine.MemoryGiB} GiB");
        grid.AddRow("[grey]OS[/]", Markup.Escape($"{machine.Os} ({machine.Architecture})"));
        grid.AddRow("[grey].NET[/]", Markup.Escape($"{machine.Runtime}, {machine.Gc} GC, {machine.BuildConfiguration} build"));
        grid.AddRow("[grey]commit[/]", Markup.Escape(machine.GitCommit is null ? "unknown" : machine.GitCommit[..Math.Min(12, machine.GitCommit.Length)] + (machine.GitDirty == true ? " (+ uncommitted changes)" : string.Empty)));
        AnsiConsole.Write(new Panel(grid).Header("machine").Border(BoxBorder.Rounded));
        if (machine.BuildConfiguration != "Release")
        {
            AnsiConsole.MarkupLine("[yellow]warning: this is a Debug build; run with -c Release for meaningful numbers.[/]");
        }
    }

    /// <summary>Prints the issue targets and whether they were met.</summary>
    /// <param name="targets">The checks.</param>
    public static void Targets(IReadOnlyList<TargetCheck> targets)
    {
        if (targets.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title("targets");
        table.AddColumn("target");
        table.AddColumn("goal");
        table.AddColumn(new TableColumn("measured").RightAligned());
        table.AddColumn("met");
        foreach (var t in targets)
        {
            table.AddRow(
                Markup.Escape(t.Name),
                Markup.Escape(t.Goal),
                Markup.Escape($"{Format(t.Measured)} {t.Unit}"),
                t.Met ? "[green]yes[/]" : "[red]no[/]");
        }

        AnsiConsole.Write(table);
    }

    /// <summary>A progress display that stays on screen, with elapsed time.</summary>
    public static Progress Progress() => AnsiConsole.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());

    /// <summary>Writes the JSON report when asked and says where.</summary>
    /// <param name="path">The <c>--json</c> value, or null.</param>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task WriteJsonAsync(string? path, BenchReport report, CancellationToken cancellationToken)
    {
        if (path is null)
        {
            return;
        }

        await BenchJson.WriteAsync(path, report, cancellationToken);
        AnsiConsole.MarkupLine($"[grey]JSON written to {Markup.Escape(Path.GetFullPath(path))}[/]");
    }

    /// <summary>A number for display: thousands separators, at most 3 significant decimals.</summary>
    /// <param name="value">The value.</param>
    public static string Format(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture),
        >= 1 => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),
    };
}
