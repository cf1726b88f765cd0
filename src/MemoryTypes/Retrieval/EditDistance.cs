namespace KernelMemoryPlus.Retrieval;

/// <summary>Edit distances for typo-tolerant matching.</summary>
internal static class EditDistance
{
    /// <summary>
    /// Optimal string alignment (Damerau-Levenshtein with adjacent transpositions) between two strings, stopping
    /// early once it exceeds <paramref name="max"/> (then any value above max is returned).
    /// </summary>
    public static int DamerauLevenshtein(string a, string b, int max)
    {
        if (Math.Abs(a.Length - b.Length) > max)
        {
            return max + 1;
        }

        int n = a.Length, m = b.Length;
        var prev2 = new int[m + 1];
        var prev = new int[m + 1];
        var cur = new int[m + 1];
        for (int j = 0; j <= m; j++)
        {
            prev[j] = j;
        }

        for (int i = 1; i <= n; i++)
        {
            cur[0] = i;
            int rowMin = cur[0];
            for (int j = 1; j <= m; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                int v = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    v = Math.Min(v, prev2[j - 2] + 1);
                }

                cur[j] = v;
                rowMin = Math.Min(rowMin, v);
            }

            if (rowMin > max)
            {
                return max + 1;
            }

            (prev2, prev, cur) = (prev, cur, prev2);
        }

        return prev[m];
    }
}
