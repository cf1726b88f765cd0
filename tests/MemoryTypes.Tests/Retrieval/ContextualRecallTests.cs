using KernelMemoryPlus.Tests.Engine;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class ContextualRecallTests
{
    private static readonly RetrievalWeights KeywordsOnly = new() { Vector = 0, Fuzzy = 0 };

    [Fact]
    public async Task RecallAsync_ConversationTurn_IsFoundThroughItsNeighbours()
    {
        await using var t = new TestEngine();
        var at = TestEngine.Start.AddDays(-3);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "Gina: What's your favourite dance style?", "s1", at, cancellationToken: TestEngine.Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "Jon: Contemporary is my top pick, it's so expressive!", "s1", at, cancellationToken: TestEngine.Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "Gina: I opened my clothing store on Friday.", "s2", at.AddDays(1), cancellationToken: TestEngine.Ct);

        // The answer shares no word with the question; its context (the turn before it) does.
        var results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "favourite dance style", Weights = KeywordsOnly }, TestEngine.Ct);
        Assert.Contains(results, r => r.Memory.Content.StartsWith("Jon: Contemporary", StringComparison.Ordinal));
        Assert.DoesNotContain(results, r => r.Memory.Content.Contains("clothing", StringComparison.Ordinal));

        // A turn added later joins the context at once (the context follows every write).
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "Gina: Mine is hip-hop.", "s1", at.AddMinutes(1), cancellationToken: TestEngine.Ct);
        results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "favourite dance style", Weights = KeywordsOnly }, TestEngine.Ct);
        Assert.Contains(results, r => r.Memory.Content == "Gina: Mine is hip-hop.");
    }

    [Fact]
    public async Task RecallAsync_MemoriesWithoutSession_AreScoredAlone()
    {
        await using var t = new TestEngine();
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "What's your favourite dance style?" }, TestEngine.Ct);
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Contemporary is my top pick." }, TestEngine.Ct);

        var results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "favourite dance style", Weights = KeywordsOnly }, TestEngine.Ct);
        Assert.Equal("What's your favourite dance style?", Assert.Single(results).Memory.Content);
    }

    [Fact]
    public async Task RecallAsync_CorrectlySpelledWords_AreNotTypoCorrected()
    {
        await using var t = new TestEngine();
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "The dancer rehearsed all night." }, TestEngine.Ct);
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Salsa dance lessons start Monday." }, TestEngine.Ct);

        // "dance" is in the namespace as written, so "dancer" (one edit away) is not offered as a correction ...
        var exact = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "dance", Weights = new RetrievalWeights { Vector = 0, Keyword = 0 } }, TestEngine.Ct);
        Assert.Empty(exact);

        // ... while a word the namespace does not hold still is.
        var typo = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "dancr", Weights = new RetrievalWeights { Vector = 0, Keyword = 0 } }, TestEngine.Ct);
        Assert.NotEmpty(typo);
        Assert.All(typo, r => Assert.NotEmpty(r.Explanation!.FuzzyMatches));
    }
}
