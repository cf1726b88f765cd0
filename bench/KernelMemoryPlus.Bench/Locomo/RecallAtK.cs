using System.Globalization;

namespace KernelMemoryPlus.Bench.Locomo;

/// <summary>
/// Accumulates the LoCoMo paper's retrieval metric: recall@k of a question = the fraction of its evidence turns
/// among the top k retrieved, averaged over questions, overall and per category.
/// </summary>
internal sealed class RecallAtK
{
    private readonly int[] _ks;
    private readonly Dictionary<int, (int Questions, double[] Sums)> _byCategory = [];
    private readonly double[] _sums;
    private int _questions;

    /// <summary>Creates the accumulator.</summary>
    /// <param name="ks">The cut-offs, ascending.</param>
    public RecallAtK(IReadOnlyList<int> ks)
    {
        _ks = [.. ks];
        _sums = new double[_ks.Length];
    }

    /// <summary>Questions scored.</summary>
    public int Questions => _questions;

    /// <summary>Scores one question.</summary>
    /// <param name="category">The question's category.</param>
    /// <param name="evidence">Its evidence ids.</param>
    /// <param name="ranked">The retrieved ids, best first (at least as many as the largest k when available).</param>
    public void Add(int category, IReadOnlyList<string> evidence, IReadOnlyList<string> ranked)
    {
        if (!_byCategory.TryGetValue(category, out var entry))
        {
            entry = (0, new double[_ks.Length]);
        }

        for (int i = 0; i < _ks.Length; i++)
        {
            var top = ranked.Take(_ks[i]).ToHashSet(StringComparer.Ordinal);
            double recall = (double)evidence.Count(top.Contains) / evidence.Count;
            _sums[i] += recall;
            entry.Sums[i] += recall;
        }

        _byCategory[category] = (entry.Questions + 1, entry.Sums);
        _questions++;
    }

    /// <summary>Mean recall per k, keyed by k as text ("5", "10", ...), rounded to 4 decimals.</summary>
    public Dictionary<string, double> Overall() => Means(_questions, _sums);

    /// <summary>Mean recall per k for each category, keyed by the category as text.</summary>
    public Dictionary<string, Dictionary<string, double>> ByCategory() =>
        _byCategory.OrderBy(c => c.Key).ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => Means(c.Value.Questions, c.Value.Sums));

    /// <summary>Questions per category, keyed by the category as text.</summary>
    public Dictionary<string, int> QuestionsByCategory() =>
        _byCategory.OrderBy(c => c.Key).ToDictionary(c => c.Key.ToString(CultureInfo.InvariantCulture), c => c.Value.Questions);

    /// <summary>Mean recall per k over the categories in <paramref name="categories"/> only.</summary>
    /// <param name="categories">The categories to include.</param>
    public Dictionary<string, double> Over(IReadOnlySet<int> categories)
    {
        var sums = new double[_ks.Length];
        int n = 0;
        foreach (var (category, entry) in _byCategory)
        {
            if (!categories.Contains(category))
            {
                continue;
            }

            n += entry.Questions;
            for (int i = 0; i < sums.Length; i++)
            {
                sums[i] += entry.Sums[i];
            }
        }

        return Means(n, sums);
    }

    private Dictionary<string, double> Means(int questions, double[] sums)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < _ks.Length; i++)
        {
            result[_ks[i].ToString(CultureInfo.InvariantCulture)] = questions == 0 ? 0 : Math.Round(sums[i] / questions, 4);
        }

        return result;
    }
}
