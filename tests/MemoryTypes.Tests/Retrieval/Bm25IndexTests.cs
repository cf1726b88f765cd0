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
