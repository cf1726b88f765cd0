using System.Globalization;
using System.Security;
using System.Text;

namespace KernelMemoryPlus.Bench.Charts;

/// <summary>How an axis maps values to positions.</summary>
internal enum AxisScale
{
    /// <summary>Evenly spaced values.</summary>
    Linear,

    /// <summary>Evenly spaced powers of ten (values must be positive).</summary>
    Log,
}

/// <summary>The shape drawn at each point of a series (so series differ by more than colour).</summary>
internal enum MarkerShape
{
    /// <summary>A circle.</summary>
    Circle,

    /// <summary>A square.</summary>
    Square,

    /// <summary>A triangle pointing up.</summary>
    Triangle,

    /// <summary>A diamond.</summary>
    Diamond,
}

/// <summary>Where a series prints its values next to its points.</summary>
internal enum ValueLabels
{
    /// <summary>No values.</summary>
    None,

    /// <summary>Above each point.</summary>
    Above,

    /// <summary>Below each point.</summary>
    Below,
}

/// <summary>One axis of a chart.</summary>
/// <param name="Title">Axis title (with its unit).</param>
/// <param name="Scale">Linear or logarithmic.</param>
/// <param name="Format">Tick label for a value.</param>
/// <param name="Min">Fixed lower end, or null to fit the data.</param>
/// <param name="Max">Fixed upper end, or null to fit the data.</param>
/// <param name="Ticks">Fixed tick values, or null for automatic ticks.</param>
internal sealed record ChartAxis(string Title, AxisScale Scale, Func<double, string> Format, double? Min = null, double? Max = null, IReadOnlyList<double>? Ticks = null);

/// <summary>One line of a chart.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Points">(x, y) points; drawn in x order.</param>
/// <param name="Color">Stroke colour (CSS).</param>
/// <param name="Marker">Point shape.</param>
/// <param name="Dashed">Whether the line is dashed (references and secondary measures).</param>
/// <param name="Labels">Whether and where to print the values.</param>
/// <param name="LabelFormat">Text of a value label, or null to use the y axis format.</param>
internal sealed record ChartSeries(string Name, IReadOnlyList<(double X, double Y)> Points, string Color, MarkerShape Marker, bool Dashed = false, ValueLabels Labels = ValueLabels.None, Func<double, string>? LabelFormat = null);

/// <summary>
/// A line chart rendered as a self-contained SVG file (no scripts, no external fonts, white background so it reads the
/// same in GitHub's light and dark themes): title, subtitle, grid, axes with ticks and titles, lines with markers,
/// optional value labels, a legend to the right of the plot and a footnote naming the source.
/// </summary>
internal sealed class LineChart
{
    /// <summary>Colour-blind-safe colours (Okabe–Ito), in the order series take them.</summary>
    public static readonly string[] Palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"];

    /// <summary>The colour of reference series (published numbers).</summary>
    public const string ReferenceColor = "#666666";

    private const double Width = 820;
    private const double Height = 480;
    private const double Left = 78;
    private const double Top = 70;
    private const string Font = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

    /// <summary>Creates a chart.</summary>
    /// <param name="title">Bold title.</param>
    /// <param name="subtitle">One line under the title, or null.</param>
    /// <param name="x">Horizontal axis.</param>
    /// <param name="y">Vertical axis.</param>
    /// <param name="series">The lines, in legend order.</param>
    /// <param name="footnotes">Small lines under the plot (source files, machine), or empty.</param>
    public LineChart(string title, string? subtitle, ChartAxis x, ChartAxis y, IReadOnlyList<ChartSeries> series, IReadOnlyList<string> footnotes)
    {
        Title = title;
        Subtitle = subtitle;
        X = x;
        Y = y;
        Series = series;
        Footnotes = footnotes;
    }

    /// <summary>The title.</summary>
    public string Title { get; }

    /// <summary>The subtitle, or null.</summary>
    public string? Subtitle { get; }

    /// <summary>The horizontal axis.</summary>
    public ChartAxis X { get; }

    /// <summary>The vertical axis.</summary>
    public ChartAxis Y { get; }

    /// <summary>The lines.</summary>
    public IReadOnlyList<ChartSeries> Series { get; }

    /// <summary>Footnote lines.</summary>
    public IReadOnlyList<string> Footnotes { get; }

    /// <summary>Renders the SVG document.</summary>
    public string ToSvg()
    {
        var points = Series.SelectMany(s => s.Points).ToList();
        if (points.Count == 0)
        {
            throw new InvalidOperationException("A chart needs at least one point.");
        }

        // The legend sits right of the plot, as wide as its longest entry (about 7 px per character at 12 px).
        double legendWidth = Math.Max(120, 36 + (Series.Max(s => s.Name.Length) * 7.0) + 12);
        double right = legendWidth + 26;

        // Footnotes are wrapped to the chart's width (about 6 px per character at 10.5 px); the plot makes room.
        var lines = Footnotes.SelectMany(f => Wrap(f, (int)((Width - Left - 12) / 6.0))).ToList();
        double bottom = 62 + (Math.Max(1, lines.Count) * 14);
        var (x0, x1) = Range(X, points.Select(p => p.X));
        var (y0, y1) = Range(Y, points.Select(p => p.Y));
        double plotW = Width - Left - right, plotH = Height - Top - bottom;
        double Px(double v) => Left + (plotW * Fraction(X.Scale, v, x0, x1));
        double Py(double v) => Top + plotH - (plotH * Fraction(Y.Scale, v, y0, y1));

        var svg = new StringBuilder(8192);
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"{Font}\" font-size=\"12\" role=\"img\" aria-label=\"{Esc(Title)}\">\n"));
        svg.Append(Invariant($"<title>{Esc(Title)}</title>\n"));
        svg.Append("<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"28\" font-size=\"17\" font-weight=\"bold\" fill=\"#1a1a1a\">{Esc(Title)}</text>\n"));
        if (Subtitle is not null)
        {
            svg.Append(Invariant($"<text x=\"{Left}\" y=\"48\" font-size=\"12.5\" fill=\"#444444\">{Esc(Subtitle)}</text>\n"));
        }

        // Grid and tick labels.
        svg.Append("<g stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
        var xTicks = Ticks(X, x0, x1);
        var yTicks = Ticks(Y, y0, y1);
        foreach (var t in xTicks)
        {
            svg.Append(Invariant($"  <line x1=\"{R(Px(t))}\" y1=\"{Top}\" x2=\"{R(Px(t))}\" y2=\"{Top + plotH}\"/>\n"));
        }

        foreach (var t in yTicks)
        {
            svg.Append(Invariant($"  <line x1=\"{Left}\" y1=\"{R(Py(t))}\" x2=\"{Left + plotW}\" y2=\"{R(Py(t))}\"/>\n"));
        }

        svg.Append("</g>\n");
        svg.Append(Invariant($"<g stroke=\"#333333\" stroke-width=\"1.2\"><line x1=\"{Left}\" y1=\"{Top + plotH}\" x2=\"{Left + plotW}\" y2=\"{Top + plotH}\"/><line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Top + plotH}\"/></g>\n"));
        svg.Append("<g fill=\"#333333\" font-size=\"11.5\">\n");
        foreach (var t in xTicks)
        {
            svg.Append(Invariant($"  <line x1=\"{R(Px(t))}\" y1=\"{Top + plotH}\" x2=\"{R(Px(t))}\" y2=\"{Top + plotH + 5}\" stroke=\"#333333\"/>\n"));
            svg.Append(Invariant($"  <text x=\"{R(Px(t))}\" y=\"{Top + plotH + 19}\" text-anchor=\"middle\">{Esc(X.Format(t))}</text>\n"));
        }

        foreach (var t in yTicks)
        {
            svg.Append(Invariant($"  <line x1=\"{Left - 5}\" y1=\"{R(Py(t))}\" x2=\"{Left}\" y2=\"{R(Py(t))}\" stroke=\"#333333\"/>\n"));
            svg.Append(Invariant($"  <text x=\"{Left - 8}\" y=\"{R(Py(t) + 4)}\" text-anchor=\"end\">{Esc(Y.Format(t))}</text>\n"));
        }

        svg.Append("</g>\n");
        svg.Append(Invariant($"<text x=\"{R(Left + (plotW / 2))}\" y=\"{Top + plotH + 40}\" text-anchor=\"middle\" font-size=\"13\" fill=\"#1a1a1a\">{Esc(X.Title)}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(20 {R(Top + (plotH / 2))}) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" fill=\"#1a1a1a\">{Esc(Y.Title)}</text>\n"));

        // Lines and markers; value labels are placed afterwards where they overlap no marker and no other label.
        var occupied = Series.SelectMany(s => s.Points).Select(p => Box(Px(p.X), Py(p.Y), 12, 12)).ToList();
        var labels = new StringBuilder();

        // Drawn last to first, so the first series of the legend lies on top where lines cross or coincide.
        foreach (var s in Series.Reverse())
        {
            var ordered = s.Points.OrderBy(p => p.X).ToList();
            var path = string.Join(' ', ordered.Select(p => Invariant($"{R(Px(p.X))},{R(Py(p.Y))}")));
            svg.Append(Invariant($"<g>\n  <polyline points=\"{path}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2.5\" stroke-linejoin=\"round\"{(s.Dashed ? " stroke-dasharray=\"7 5\"" : string.Empty)}/>\n"));
            foreach (var p in ordered)
            {
                svg.Append("  ").Append(Marker(s.Marker, Px(p.X), Py(p.Y), s.Color, Invariant($"{s.Name}: {X.Format(p.X)} → {(s.LabelFormat ?? Y.Format)(p.Y)}"))).Append('\n');
                if (s.Labels != ValueLabels.None)
                {
                    string text = (s.LabelFormat ?? Y.Format)(p.Y);
                    double w = (text.Length * 6.6) + 4, h = 13, px = Px(p.X), py = Py(p.Y);
                    (double Cx, double Cy)[] above = [(px, py - 13), (px + (w / 2) + 8, py - 9), (px - (w / 2) - 8, py - 9), (px, py + 15), (px + (w / 2) + 8, py + 9), (px - (w / 2) - 8, py + 9)];
                    (double Cx, double Cy)[] below = [(px, py + 15), (px + (w / 2) + 8, py + 9), (px - (w / 2) - 8, py + 9), (px, py - 13), (px + (w / 2) + 8, py - 9), (px - (w / 2) - 8, py - 9)];
                    var candidates = s.Labels == ValueLabels.Above ? above : below;
                    var (cx, cy) = candidates.FirstOrDefault(c => !occupied.Any(o => Overlaps(o, Box(c.Cx, c.Cy, w, h))) && c.Cx - (w / 2) >= Left && c.Cx + (w / 2) <= Left + plotW + 12, candidates[0]);
                    occupied.Add(Box(cx, cy, w, h));
                    labels.Append(Invariant($"  <text x=\"{R(cx)}\" y=\"{R(cy + 4)}\" text-anchor=\"middle\" font-size=\"11\" font-weight=\"bold\" fill=\"{s.Color}\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{Esc(text)}</text>\n"));
                }
            }

            svg.Append("</g>\n");
        }

        if (labels.Length > 0)
        {
            svg.Append("<g>\n").Append(labels).Append("</g>\n");
        }

        // Legend, to the right of the plot.
        double lx = Left + plotW + 18, ly0 = Top + 6;
        svg.Append(Invariant($"<g font-size=\"12\" fill=\"#1a1a1a\">\n  <rect x=\"{lx - 8}\" y=\"{ly0 - 14}\" width=\"{R(legendWidth)}\" height=\"{(Series.Count * 22) + 12}\" fill=\"#ffffff\" stroke=\"#cccccc\" rx=\"4\"/>\n"));
        for (int i = 0; i < Series.Count; i++)
        {
            var s = Series[i];
            double yy = ly0 + (i * 22);
            svg.Append(Invariant($"  <line x1=\"{lx}\" y1=\"{yy}\" x2=\"{lx + 28}\" y2=\"{yy}\" stroke=\"{s.Color}\" stroke-width=\"2.5\"{(s.Dashed ? " stroke-dasharray=\"7 5\"" : string.Empty)}/>\n"));
            svg.Append("  ").Append(Marker(s.Marker, lx + 14, yy, s.Color, null)).Append('\n');
            svg.Append(Invariant($"  <text x=\"{lx + 36}\" y=\"{yy + 4}\">{Esc(s.Name)}</text>\n"));
        }

        svg.Append("</g>\n");

        for (int i = 0; i < lines.Count; i++)
        {
            svg.Append(Invariant($"<text x=\"{Left}\" y=\"{Height - 14 - ((lines.Count - 1 - i) * 14)}\" font-size=\"10.5\" fill=\"#666666\">{Esc(lines[i])}</text>\n"));
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Tick values 1, 2, 5 × 10^k for a log axis, or a "nice" step for a linear one.</summary>
    private static List<double> Ticks(ChartAxis axis, double lo, double hi)
    {
        if (axis.Ticks is { Count: > 0 } fixedTicks)
        {
            return fixedTicks.Where(t => t >= lo * 0.999999 && t <= hi * 1.000001).ToList();
        }

        var ticks = new List<double>();
        if (axis.Scale == AxisScale.Log)
        {
            int d0 = (int)Math.Floor(Math.Log10(lo)), d1 = (int)Math.Ceiling(Math.Log10(hi));
            double[] mantissas = (d1 - d0) <= 3 ? [1, 2, 5] : [1];
            for (int d = d0; d <= d1; d++)
            {
                foreach (var m in mantissas)
                {
                    double v = m * Math.Pow(10, d);
                    if (v >= lo * 0.999999 && v <= hi * 1.000001)
                    {
                        ticks.Add(v);
                    }
                }
            }

            return ticks;
        }

        double step = NiceStep((hi - lo) / 6);
        for (double v = Math.Ceiling(lo / step) * step; v <= hi + (step * 1e-6); v += step)
        {
            ticks.Add(Math.Round(v, 10));
        }

        return ticks;
    }

    private static double NiceStep(double raw)
    {
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / magnitude;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * magnitude;
    }

    /// <summary>The drawn range of an axis: fixed ends where given, otherwise the data padded (a decade fraction on log axes).</summary>
    private static (double Lo, double Hi) Range(ChartAxis axis, IEnumerable<double> values)
    {
        var list = values.ToList();
        if (axis.Scale == AxisScale.Log && list.Any(v => v <= 0))
        {
            throw new InvalidOperationException($"The log axis '{axis.Title}' got a value ≤ 0.");
        }

        double lo = list.Min(), hi = list.Max();
        if (axis.Scale == AxisScale.Log)
        {
            // Pad by a fifth of a decade; then widen to the nearest 1-2-5 values so the ends carry ticks.
            lo = axis.Min ?? Snap(lo / Math.Pow(10, 0.2), down: true);
            hi = axis.Max ?? Snap(hi * Math.Pow(10, 0.2), down: false);
            if (Math.Log10(hi / lo) > 3)
            {
                // Wide ranges get ticks at powers of ten only: end on them too.
                lo = axis.Min ?? Math.Pow(10, Math.Floor(Math.Log10(lo) + 1e-9));
                hi = axis.Max ?? Math.Pow(10, Math.Ceiling(Math.Log10(hi) - 1e-9));
            }
        }
        else
        {
            double pad = Math.Max((hi - lo) * 0.08, Math.Abs(hi) * 0.05);
            if (pad == 0)
            {
                pad = 1;
            }

            double step = NiceStep(((hi - lo) + (2 * pad)) / 6);
            lo = axis.Min ?? Math.Floor((lo - pad) / step) * step;
            hi = axis.Max ?? Math.Ceiling((hi + pad) / step) * step;
        }

        return (lo, hi);
    }

    private static double Snap(double v, bool down)
    {
        double d = Math.Pow(10, Math.Floor(Math.Log10(v)));
        double[] steps = [1, 2, 5, 10];
        if (down)
        {
            return steps.Where(s => s * d <= v).Max() * d;
        }

        return steps.Where(s => s * d >= v).Min() * d;
    }

    private static double Fraction(AxisScale scale, double v, double lo, double hi) => scale == AxisScale.Log
        ? (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo))
        : (v - lo) / (hi - lo);

    private static string Marker(MarkerShape shape, double x, double y, string color, string? tooltip)
    {
        var (element, geometry) = shape switch
        {
            MarkerShape.Square => ("rect", Invariant($"x=\"{R(x - 4.5)}\" y=\"{R(y - 4.5)}\" width=\"9\" height=\"9\"")),
            MarkerShape.Triangle => ("polygon", Invariant($"points=\"{R(x)},{R(y - 6)} {R(x + 5.5)},{R(y + 4)} {R(x - 5.5)},{R(y + 4)}\"")),
            MarkerShape.Diamond => ("polygon", Invariant($"points=\"{R(x)},{R(y - 6)} {R(x + 6)},{R(y)} {R(x)},{R(y + 6)} {R(x - 6)},{R(y)}\"")),
            _ => ("circle", Invariant($"cx=\"{R(x)}\" cy=\"{R(y)}\" r=\"5\"")),
        };
        string open = $"<{element} {geometry} fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"1.5\"";
        return tooltip is null ? open + "/>" : $"{open}><title>{Esc(tooltip)}</title></{element}>";
    }

    private static (double X0, double Y0, double X1, double Y1) Box(double cx, double cy, double w, double h) => (cx - (w / 2), cy - (h / 2), cx + (w / 2), cy + (h / 2));

    private static bool Overlaps((double X0, double Y0, double X1, double Y1) a, (double X0, double Y0, double X1, double Y1) b) =>
        a.X0 < b.X1 && b.X0 < a.X1 && a.Y0 < b.Y1 && b.Y0 < a.Y1;

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }

        if (line.Length > 0)
        {
            lines.Add(line.ToString());
        }

        return lines;
    }

    private static string R(double v) => Math.Round(v, 1).ToString(CultureInfo.InvariantCulture);

    private static string Esc(string text) => SecurityElement.Escape(text) ?? string.Empty;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
