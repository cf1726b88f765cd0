namespace KernelMemoryPlus.Tests.Engine;

/// <summary>Calls that leave the limit out work whatever MaxResults is set to.</summary>
public sealed class DefaultLimitTests
{
    private static CancellationToken Ct => TestEngine.Ct;

    [Fact]
    public async Task TimelineAndChanges_WithoutALimit_UseMaxResultsWhenItIsBelowTheDefault()
    {
        await using var t = new TestEngine(o => o.MaxResults = 20);
        await t.Engine.RememberManyAsync(Enumerable.Range(0, 30).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"event {i}" }).ToList(), Ct);

        Assert.Equal(20, (await t.Episodic.TimelineAsync(TestEngine.Ns, cancellationToken: Ct)).Count);
        var page = await t.Engine.GetChangesAsync(TestEngine.Ns, 0, cancellationToken: Ct);
        Assert.Equal(20, page.Changes.Count);
        Assert.True(page.HasMore);
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetChangesAsync(TestEngine.Ns, 0, 21, Ct));
    }

    [Fact]
    public async Task TimelineAndChanges_WithoutALimit_Return100ByDefault()
    {
        await using var t = new TestEngine();
        await t.Engine.RememberManyAsync(Enumerable.Range(0, 120).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"event {i}" }).ToList(), Ct);

        Assert.Equal(100, (await t.Episodic.TimelineAsync(TestEngine.Ns, cancellationToken: Ct)).Count);
        Assert.Equal(100, (await t.Engine.GetChangesAsync(TestEngine.Ns, 0, cancellationToken: Ct)).Changes.Count);
    }
}
