using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class ConversationContextTests
{
    [Fact]
    public void Neighbours_AreTheSessionsTurnsWithinTheRadius_WeightedByDistance()
    {
        var keywords = new Bm25Index();
        for (int slot = 0; slot < 7; slot++)
        {
            keywords.Add(slot, $"turn number {slot}");
        }

        // Session A: slots 3, 0, 5, 1 in that order; session B: 2, 6; slot 4 has no session.
        var context = ConversationContext.Create([[3, 0, 5, 1], [2, 6], [4]], keywords, version: 1);
        Span<(int Slot, float Weight)> into = stackalloc (int, float)[ConversationContext.MaxNeighbours];

        int count = context.Neighbours(0, into);
        Assert.Equal(
            [(3, ConversationContext.Weights[0]), (5, ConversationContext.Weights[0]), (1, ConversationContext.Weights[1])],
            into[..count].ToArray());
        Assert.Equal(0, context.Before(1, 2));
        Assert.Equal(-1, context.After(1, 1));
        Assert.Equal([(2, ConversationContext.Weights[0])], Take(context, 6));
        Assert.Empty(Take(context, 4));
        Assert.Equal(6, context.LinkedCount);

        // Folded length: own terms plus the neighbours' terms times their weights; alone it is the own length.
        double own = keywords.DocumentLength(0);
        Assert.Equal(own * (1 + (2 * ConversationContext.Weights[0]) + ConversationContext.Weights[1]), context.FoldedLengths[0], 4);
        Assert.Equal(keywords.DocumentLength(4), context.FoldedLengths[4], 6);
    }

    [Fact]
    public void TopInContext_FindsAnAnswerThroughTheQuestionBeforeIt()
    {
        var keywords = new Bm25Index();
        keywords.Add(0, "Gina: what is your favourite dance style?");
        keywords.Add(1, "Jon: contemporary is my top pick, it is so expressive");
        keywords.Add(2, "Jon: my studio needs a new floor");
        keywords.Add(3, "Gina: the store opened on Friday");
        keywords.Add(4, "Jon: contemporary art museums are fun");
        var context = ConversationContext.Create([[0, 1, 2], [3, 4]], keywords, version: 1);
        var query = new[] { "favourit", "danc", "styl", "contemporary" }.Select(t => (TextAnalyzer.Stem(t), 1.0)).ToList();

        var plain = keywords.Top(query, null, 5);
        var folded = keywords.TopInContext(query, context, null, 5);

        // Alone, the answer ties with an unrelated turn that shares one word; with its context it wins clearly.
        Assert.Equal(plain.Single(p => p.Slot == 1).Score, plain.Single(p => p.Slot == 4).Score, 6);
        Assert.True(folded.FindIndex(f => f.Slot == 1) < folded.FindIndex(f => f.Slot == 4));
        Assert.Contains(folded, f => f.Slot == 2);

        // The filter still applies to the ranked memory (its neighbours may be filtered out and still count as context).
        var filtered = keywords.TopInContext(query, context, slot => slot != 0, 5);
        Assert.DoesNotContain(filtered, f => f.Slot == 0);
        Assert.Equal(folded.Single(f => f.Slot == 1).Score, filtered.Single(f => f.Slot == 1).Score, 9);
    }

    [Fact]
    public void TopInContext_WithoutNeighbours_EqualsTop()
    {
        var keywords = new Bm25Index();
        keywords.Add(0, "the quick brown fox");
        keywords.Add(1, "a fox and another fox");
        keywords.Add(2, "nothing here");
        var empty = ConversationContext.Create([[0], [1]], keywords, version: 1);

        Assert.True(empty.IsEmpty);
        Assert.Equal(keywords.Top([("fox", 1.0)], null, 5), keywords.TopInContext([("fox", 1.0)], empty, null, 5));
    }

    [Fact]
    public void Version_ChangesWithEveryIndexedWrite()
    {
        var keywords = new Bm25Index();
        long v0 = keywords.Version;
        keywords.Add(0, "one");
        long v1 = keywords.Version;
        keywords.Remove(0);
        Assert.True(v0 < v1 && v1 < keywords.Version);

        var vectors = new FlatVectorIndex(4);
        long w0 = vectors.Version;
        int slot = vectors.Add([1, 0, 0, 0]);
        long w1 = vectors.Version;
        vectors.Set(slot, [0, 1, 0, 0]);
        long w2 = vectors.Version;
        vectors.Remove(slot);
        Assert.True(w0 < w1 && w1 < w2 && w2 < vectors.Version);
    }

    private static List<(int Slot, float Weight)> Take(ConversationContext context, int slot)
    {
        Span<(int Slot, float Weight)> into = stackalloc (int, float)[ConversationContext.MaxNeighbours];
        int count = context.Neighbours(slot, into);
        return [.. into[..count].ToArray()];
    }
}
