using System.Globalization;
using System.Text.Json;
using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Charts;

/// <summary>The kinds of harness report the <c>chart</c> command draws.</summary>
internal enum ReportKind
{
    /// <summary><c>locomo</c>: recall@k.</summary>
    Locomo,

    /// <summary><c>scale</c>: vector index latency per collection size.</summary>
    Scale,

    /// <summary><c>recall-latency</c>: full recall latency per namespace size.</summary>
    RecallLatency,
}

/// <summary>One JSON report read from disk.</summary>
/// <param name="Path">The file as given.</param>
/// <param name="Label">Its series label: the text after <c>=</c> in <c>--input FILE=LABEL</c>, else from the file name.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Root">The parsed document.</param>
internal sealed record ChartInput(string Path, string Label, ReportKind Kind, JsonElement Root);

/// <summary>Reads harness reports and turns them into charts.</summary>
internal static class BenchCharts
{
    /// <summary>The paper's DRAGON retriever over dialog turns (LoCoMo, Table 3, all categories).</summary>
    private static readonly Dictionary<int, double> s_dragon = new() { [5] = 0.588, [10] = 0.675, [25] = 0.799, [50] = 0.848 };

    /// <summary>Reads one <c>--input</c> value (<c>FILE</c> or <c>FILE=LABEL</c>) and recognizes its kind.</summary>
    /// <param name="spec">The option value.</param>
    public static ChartInput Load(string spec)
    {
        string path = spec, label;
        int eq = spec.LastIndexOf('=');
        if (eq > 0 && !File.Exists(spec))
        {
            path = spec[..eq];
            label = spec[(eq + 1)..].Trim();
        }
        else
        {
            label = string.Empty;
        }

        if (!File.Exists(path))
        {
            throw new BenchException(Directory.Exists(path) ? $"{path}: is a folder, not a JSON report." : $"{path}: file not found.");
        }

        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new BenchException($"{path}: not valid JSON ({ex.Message})", ex);
        }
        catch (IOException ex)
        {
            throw new BenchException($"{path}: cannot be read ({ex.Message})", ex);
        }

        var kind = Recognize(path, root);
        if (label.Length == 0)
        {
            label = DefaultLabel(path, kind);
        }

        return new ChartInput(path, label, kind, root);
    }

    /// <summary>The file each kind of chart is written to.</summary>
    /// <param name="kind">The report kind.</param>
    public static string FileName(ReportKind kind) => kind switch
    {
        ReportKind.Locomo => "locomo-recall.svg",
        ReportKind.Scale => "scale-latency.svg",
        _ => "recall-latency.svg",
    };

    /// <summary>Builds the chart for reports of one kind.</summary>
    /// <param name="kind">Their kind.</param>
    /// <param name="inputs">The reports, in command-line order.</param>
    public static LineChart Build(ReportKind kind, IReadOnlyList<ChartInput> inputs) => kind switch
    {
        ReportKind.Locomo => Locomo(inputs),
        ReportKind.Scale => Scale(inputs),
        _ => RecallLatency(inputs),
    };

    private static ReportKind Recognize(string path, JsonElement root)
    {
        string? command = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("command", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (command == "locomo" || (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("recall", out var r) && r.ValueKind == JsonValueKind.Object && root.TryGetProperty("questions", out _)))
        {
            return ReportKind.Locomo;
        }

        var entries = Entries(root);
        if (command == "scale" || (entries is { } e1 && e1.Count > 0 && e1[0].TryGetProperty("exactP50Ms", out _)))
        {
            return ReportKind.Scale;
        }

        if (command == "recall-latency" || (entries is { } e2 && e2.Count > 0 && e2[0].TryGetProperty("p50Ms", out _) && e2[0].TryGetProperty("n", out _)))
        {
            return ReportKind.RecallLatency;
        }

        throw new BenchException($"{path}: not a report the chart command knows (expected the JSON of locomo — \"recall\" by k —, scale — entries with n, exactP50Ms, annP50Ms, annP99Ms — or recall-latency — entries with n, p50Ms, p99Ms).");
    }

    /// <summary>The per-size entries: <c>results</c> of a harness report, or a bare array.</summary>
    private static List<JsonElement>? Entries(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Array)
        {
            return root.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList();
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("results", out var results) && results.ValueKind == JsonValueKind.Array)
        {
            return results.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).ToList();
        }

        return null;
    }

    private static string DefaultLabel(string path, ReportKind kind)
    {
        var stem = System.IO.Path.GetFileNameWithoutExtension(path);
        foreach (var prefix in new[] { "locomo-", "scale-", "recall-latency-" })
        {
            if (stem.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && stem.Length > prefix.Length)
            {
                stem = stem[prefix.Length..];
            }
        }

        return kind == ReportKind.Locomo ? $"KernelMemoryPlus {stem}" : stem;
    }

    private static LineChart Locomo(IReadOnlyList<ChartInput> inputs)
    {
        var series = new List<ChartSeries>();
        var ks = new SortedSet<double>();
        int? questions = null;
        string? embedder = null;
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            if (!input.Root.TryGetProperty("recall", out var recall) || recall.ValueKind != JsonValueKind.Object)
            {
                throw new BenchException($"{input.Path}: a locomo report without a \"recall\" object (recall@k by k).");
            }

            var points = new List<(double, double)>();
            foreach (var property in recall.EnumerateObject())
            {
                if (!int.TryParse(property.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out int k) || k <= 0
                    || property.Value.ValueKind != JsonValueKind.Number || property.Value.GetDouble() is < 0 or > 1)
                {
                    throw new BenchException($"{input.Path}: recall entry \"{property.Name}\" is not a k with a fraction between 0 and 1.");
                }

                points.Add((k, property.Value.GetDouble()));
                ks.Add(k);
            }

            if (points.Count == 0)
            {
                throw new BenchException($"{input.Path}: the \"recall\" object is empty.");
            }

            questions ??= Int(input.Root, "questions");
            embedder ??= Str(input.Root, "embedder");
            series.Add(new ChartSeries(input.Label, points, LineChart.Palette[i % LineChart.Palette.Length], (MarkerShape)(i % 3 == 2 ? 3 : i % 3), Labels: i == 0 ? ValueLabels.Above : ValueLabels.None, LabelFormat: v => v.ToString("0.000", CultureInfo.InvariantCulture)));
        }

        var dragon = s_dragon.Where(d => ks.Contains(d.Key)).Select(d => ((double)d.Key, d.Value)).ToList();
        if (dragon.Count > 0)
        {
            series.Add(new ChartSeries("DRAGON (paper, Table 3)", dragon, LineChart.ReferenceColor, MarkerShape.Triangle, Dashed: true, Labels: ValueLabels.Below, LabelFormat: v => v.ToString("0.000", CultureInfo.InvariantCulture)));
        }

        return new LineChart(
            "LoCoMo retrieval: recall@k, all categories",
            $"{(questions is int q ? $"{q:N0} questions with evidence" : "questions with evidence")}; share of evidence turns in the top k, averaged over questions",
            new ChartAxis("k (memories recalled), log scale", AxisScale.Log, v => v.ToString("0", CultureInfo.InvariantCulture), Min: ks.Min * 0.8, Max: ks.Max * 1.25, Ticks: [.. ks]),
            new ChartAxis("recall@k", AxisScale.Linear, v => v.ToString("0.0", CultureInfo.InvariantCulture), Min: 0, Max: 1, Ticks: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]),
            series,
            [
                $"Embedder: {embedder ?? "unknown"} · DRAGON: Maharana et al., ACL 2024, Table 3 (dialog turns as retrieval units)",
                $"Source: {string.Join(", ", inputs.Select(i => Name(i.Path)))} · {Machine(inputs[0].Root)}",
            ]);
    }

    private static LineChart Scale(IReadOnlyList<ChartInput> inputs)
    {
        var series = new List<ChartSeries>();
        int? dim = null;
        int color = 0;
        var recalls = new List<string>();
        foreach (var input in inputs)
        {
            var entries = Entries(input.Root) ?? throw new BenchException($"{input.Path}: a scale report without a \"results\" array (one entry per size).");
            var exact = new List<(double, double)>();
            var annP50 = new List<(double, double)>();
            var annP99 = new List<(double, double)>();
            var quantized = new List<(double, double)>();
            foreach (var entry in entries)
            {
                double n = Required(input.Path, entry, "n");
                exact.Add((n, Required(input.Path, entry, "exactP50Ms")));
                if (Number(entry, "annP50Ms") is double a50)
                {
                    annP50.Add((n, a50));
                }

                if (Number(entry, "annP99Ms") is double a99)
                {
                    annP99.Add((n, a99));
                }

                if (Number(entry, "quantizedP50Ms") is double q50)
                {
                    quantized.Add((n, q50));
                }

                dim ??= Number(entry, "dim") is double d ? (int)d : null;
                if (Number(entry, "annRecallAt10") is double recall)
                {
                    recalls.Add(string.Create(CultureInfo.InvariantCulture, $"{Si(n)} {recall:0.000}"));
                }
            }

            if (entries.Count == 0)
            {
                throw new BenchException($"{input.Path}: the scale report has no entries.");
            }

            if (annP50.Count == 0)
            {
                throw new BenchException($"{input.Path}: no entry has annP50Ms.");
            }

            string suffix = inputs.Count > 1 ? $" ({input.Label})" : string.Empty;
            string c0 = LineChart.Palette[color++ % LineChart.Palette.Length], c1 = LineChart.Palette[color++ % LineChart.Palette.Length];
            series.Add(new ChartSeries("exact scan p50" + suffix, exact, c0, MarkerShape.Square, Labels: ValueLabels.Above, LabelFormat: Ms));
            if (quantized.Count > 0)
            {
                series.Add(new ChartSeries("int8 scan + rerank p50" + suffix, quantized, LineChart.Palette[color++ % LineChart.Palette.Length], MarkerShape.Diamond));
            }

            series.Add(new ChartSeries("ANN (HNSW) p50" + suffix, annP50, c1, MarkerShape.Circle, Labels: ValueLabels.Below, LabelFormat: Ms));
            if (annP99.Count > 0)
            {
                series.Add(new ChartSeries("ANN (HNSW) p99" + suffix, annP99, c1, MarkerShape.Triangle, Dashed: true));
            }
        }

        return new LineChart(
            "Vector search latency against collection size",
            $"top-10 nearest neighbours{(dim is int dd ? $" of {dd}-d unit vectors" : string.Empty)}, one query at a time; exact float32 scan vs the approximate index",
            new ChartAxis("vectors in the collection, log scale", AxisScale.Log, Si),
            new ChartAxis("query latency (ms), log scale", AxisScale.Log, MsTick),
            series,
            [
                .. recalls.Count > 0 ? new[] { $"Recall@10 of the approximate index against the exact top 10: {string.Join(" · ", recalls)}" } : [],
                $"Source: {string.Join(", ", inputs.Select(i => Name(i.Path)))} · {Machine(inputs[0].Root)}",
            ]);
    }

    private static LineChart RecallLatency(IReadOnlyList<ChartInput> inputs)
    {
        var series = new List<ChartSeries>();
        int color = 0;
        var loads = new List<string>();
        foreach (var input in inputs)
        {
            var entries = Entries(input.Root) ?? throw new BenchException($"{input.Path}: a recall-latency report without a \"results\" array (one entry per size).");
            if (entries.Count == 0)
            {
                throw new BenchException($"{input.Path}: the recall-latency report has no entries.");
            }

            var p50 = new List<(double, double)>();
            var p99 = new List<(double, double)>();
            var cpu = new List<(double, double)>();
            foreach (var entry in entries)
            {
                double n = Required(input.Path, entry, "n");
                p50.Add((n, Required(input.Path, entry, "p50Ms")));
                p99.Add((n, Required(input.Path, entry, "p99Ms")));
                if (Number(entry, "cpuP50Ms") is double c)
                {
                    cpu.Add((n, c));
                }

                if (entry.TryGetProperty("loadAverageBefore", out var load) && load.ValueKind == JsonValueKind.Object && Number(load, "one") is double one)
                {
                    loads.Add(string.Create(CultureInfo.InvariantCulture, $"{Si(n)}: {one:0.0}"));
                }
            }

            string suffix = inputs.Count > 1 ? $" ({input.Label})" : string.Empty;
            string c0 = LineChart.Palette[color++ % LineChart.Palette.Length], c1 = LineChart.Palette[color++ % LineChart.Palette.Length];
            series.Add(new ChartSeries("p99" + suffix, p99, c1, MarkerShape.Triangle, Labels: ValueLabels.Above, LabelFormat: Ms));
            series.Add(new ChartSeries("p50" + suffix, p50, c0, MarkerShape.Circle, Labels: ValueLabels.Below, LabelFormat: Ms));
            if (cpu.Count > 0)
            {
                series.Add(new ChartSeries("thread CPU p50" + suffix, cpu, c0, MarkerShape.Square, Dashed: true));
            }
        }

        string store = inputs[0].Root.TryGetProperty("settings", out var settings) && settings.ValueKind == JsonValueKind.Object && Str(settings, "store") is { } s ? s : "?";
        return new LineChart(
            "Full hybrid recall latency against namespace size",
            $"RecallAsync, default query (vector + keyword + fuzzy + rescoring), top 10, {store} store, chat turns",
            new ChartAxis("memories in the namespace, log scale", AxisScale.Log, Si),
            new ChartAxis("latency per recall (ms), log scale", AxisScale.Log, MsTick),
            series,
            [
                $"Source: {string.Join(", ", inputs.Select(i => Name(i.Path)))} · {Machine(inputs[0].Root)}" + (loads.Count > 0 ? $" · 1-min load average at start: {string.Join(", ", loads)}" : string.Empty),
            ]);
    }

    private static double Required(string path, JsonElement entry, string name) =>
        Number(entry, name) is double v && v > 0
            ? v
            : throw new BenchException($"{path}: an entry lacks a positive number \"{name}\".");

    private static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static int? Int(JsonElement element, string name) => Number(element, name) is double v ? (int)v : null;

    private static string? Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Machine(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("machine", out var m) || m.ValueKind != JsonValueKind.Object)
        {
            return "machine not recorded";
        }

        var cpu = (Str(m, "cpuModel") ?? "unknown CPU").Replace("(R)", string.Empty, StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal);
        return $"{cpu}, {Int(m, "logicalCores")?.ToString(CultureInfo.InvariantCulture) ?? "?"} cores, {Str(m, "runtime") ?? ".NET ?"}";
    }

    private static string Name(string path) => System.IO.Path.GetFileName(path);

    /// <summary>10000 → "10k", 1000000 → "1M".</summary>
    private static string Si(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e3 => (v / 1e3).ToString("0.##", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("0", CultureInfo.InvariantCulture),
    };

    private static string MsTick(double v) => v switch
    {
        >= 1 => v.ToString("0.##", CultureInfo.InvariantCulture),
        _ => v.ToString("0.0##", CultureInfo.InvariantCulture),
    };

    private static string Ms(double v) => v switch
    {
        >= 100 => v.ToString("0", CultureInfo.InvariantCulture),
        >= 10 => v.ToString("0.0", CultureInfo.InvariantCulture),
        _ => v.ToString("0.00", CultureInfo.InvariantCulture),
    } + " ms";
}
