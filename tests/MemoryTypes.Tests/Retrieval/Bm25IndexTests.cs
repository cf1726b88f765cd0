using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class Bm25IndexTests
{
    [Fact]
    public void Top_RanksByBm25_BreaksTiesBySlot_AndHonoursTheFilter()
    {
        var index = new Bm25Index();
        index.Add(0, "the quick brown fox");
        index.Add(1, "a fox and another fox");
        index.Add(2, "the quick brown fox");
        index.Add(3, "nothing to see here");

        var top = index.Top([("fox", 1.0)], null, 10);
        var filtered = index.Top([("fox", 1.0)], slot => slot != 1, 10);

        Assert.Equal([1, 0, 2], top.Select(t => t.Slot));
        Assert.Equal(top[1].Score, top[2].Score);
        Assert.Equal([0, 2], filtered.Select(t => t.Slot));
        Assert.Equal([1], index.Top([("fox", 1.0)], null, 1).Select(t => t.Slot));
    }

    [Fact]
    public void Top_OfK_IsThePrefixOfTheFullRanking_WithManyTies()
    {
        // A small vocabulary makes many documents score the same: the top k must still be exactly the first k of
        // the whole ranking (best score, then lowest slot), for every k and with a filter.
        var random = new Random(7);
        string[] words = ["red", "green", "blue", "cyan", "gold"];
        var index = new Bm25Index();
        for (int slot = 0; slot < 2_000; slot++)
        {
            index.Add(slot, string.Join(' ', Enumerable.Range(0, random.Next(1, 4)).Select(_ => words[random.Next(words.Length)])));
        }

        foreach (var query in new[] { new[] { "red" }, ["red", "gold"], ["blue", "cyan", "green"] })
        {
            var terms = query.Select(q => (q, 1.0)).ToList();
            foreach (Func<int, bool>? accept in new Func<int, bool>?[] { null, slot => slot % 3 != 0 })
            {
                var all = index.Top(terms, accept, int.MaxValue);
                Assert.Equal(all.OrderByDescending(t => t.Score).ThenBy(t => t.Slot), all);
                foreach (int k in new[] { 1, 7, 50, 160, 999 })
                {
                    Assert.Equal(all.Take(k), index.Top(terms, accept, k));
                }
            }
        }
    }

    [Fact]
    public void FuzzyMatches_FindsWordsAsWritten_AndForgetsRemovedWords()
    {
        var index = new Bm25Index();
        index.Add(0, "The nightly build broke");

        var match = Assert.Single(index.FuzzyMatches("nighlty"));
        Assert.Equal(("nightly", TextAnalyzer.Stem("nightly"), 1), match);

        index.Remove(0);
        Assert.Empty(index.FuzzyMatches("nighlty"));
        Assert.Empty(index.Top([("build", 1.0)], null, 5));
    }
}
