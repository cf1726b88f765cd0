namespace KernelMemoryPlus.Tests.Engine;

public sealed class ChangeFeedTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A guard so a broken stream fails the test instead of hanging it; no assertion depends on time.</summary>
    private static CancellationTokenSource HangGuard()
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        return cts;
    }

    [Fact]
    public async Task EveryWriteKind_GetsAMonotonicGapFreeSequenceNumber()
    {
        await using var t = new TestEngine();
        var a = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "first", Author = "agent-1" }, Ct);
        var b = await t.RememberAsync("second");
        t.Time.Advance(TimeSpan.FromSeconds(1));
        await t.Engine.UpdateAsync(a.Id, new MemoryUpdate { Content = "first, edited", Author = "agent-2" }, cancellationToken: Ct);
        var link = await t.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = b.Id, Author = "agent-3" }, Ct);
        await t.Engine.UnlinkAsync(a.Id, b.Id, cancellationToken: Ct);
        await t.Engine.ForgetAsync(b.Id, cancellationToken: Ct);
        var p = (await t.Procedural.RecordAsync(TestEngine.Ns, "p", "procedure", ["step"], cancellationToken: Ct)).Fact;
        await t.Procedural.ReportOutcomeAsync(p.Id, true, Ct);
        await t.Engine.RememberManyAsync([new NewMemory { Namespace = TestEngine.Ns, Content = "x" }, new NewMemory { Namespace = TestEngine.Ns, Content = "y" }], Ct);

        var changes = await t.AllChangesAsync();

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), changes.Select(c => c.Sequence));
        Assert.Equal(10, t.Engine.LastSequence);
        Assert.Equal(
            [ChangeOperation.Created, ChangeOperation.Created, ChangeOperation.Updated, ChangeOperation.Linked, ChangeOperation.Unlinked,
             ChangeOperation.Deleted, ChangeOperation.Created, ChangeOperation.Updated, ChangeOperation.Created, ChangeOperation.Created],
            changes.Select(c => c.Operation));
        Assert.Equal([a.Id, b.Id, a.Id, link.Id, link.Id, b.Id, p.Id, p.Id], changes.Take(8).Select(c => c.EntityId));
        Assert.Equal([1L, 1, 2, 0, 0, 1, 1, 2], changes.Take(8).Select(c => c.Version));
        Assert.Equal(["agent-1", null, "agent-2", "agent-3"], changes.Take(4).Select(c => c.Author));
        Assert.Equal(TestEngine.Start, changes[0].At);
        Assert.Equal(TestEngine.Start.AddSeconds(1), changes[2].At);
        Assert.All(changes, c => Assert.Equal(TestEngine.Ns, c.Namespace));
    }

    [Fact]
    public async Task GetChangesAsync_PagesWithHasMoreAndNextSince()
    {
        await using var t = new TestEngine();
        for (int i = 0; i < 25; i++)
        {
            await t.RememberAsync($"note {i}");
        }

        var first = await t.Engine.GetChangesAsync(null, 0, 10, Ct);
        var second = await t.Engine.GetChangesAsync(null, first.NextSince, 10, Ct);
        var third = await t.Engine.GetChangesAsync(null, second.NextSince, 10, Ct);
        var after = await t.Engine.GetChangesAsync(null, third.NextSince, 10, Ct);

        Assert.Equal((10, true, 10L), (first.Changes.Count, first.HasMore, first.NextSince));
        Assert.Equal((10, true, 20L), (second.Changes.Count, second.HasMore, second.NextSince));
        Assert.Equal((5, false, 25L), (third.Changes.Count, third.HasMore, third.NextSince));
        Assert.Equal((0, false, 25L), (after.Changes.Count, after.HasMore, after.NextSince));
        Assert.Equal(Enumerable.Range(11, 10).Select(i => (long)i), second.Changes.Select(c => c.Sequence));
    }

    [Fact]
    public async Task GetChangesAsync_ExactlyLimitLeft_HasNoMore()
    {
        await using var t = new TestEngine();
        for (int i = 0; i < 4; i++)
        {
            await t.RememberAsync($"note {i}");
        }

        var page = await t.Engine.GetChangesAsync(null, 0, 4, Ct);

        Assert.Equal(4, page.Changes.Count);
        Assert.False(page.HasMore);
    }

    [Fact]
    public async Task GetChangesAsync_NamespaceFilter_ReturnsOnlyThatNamespaceInOrder()
    {
        await using var t = new TestEngine();
        var expected = new List<long>();
        for (int i = 0; i < 12; i++)
        {
            var ns = i % 3 == 0 ? "alpha" : "beta";
            await t.RememberAsync($"note {i}", ns: ns);
            if (ns == "alpha")
            {
                expected.Add(t.Engine.LastSequence);
            }
        }

        var alpha = await AllChangesPagedAsync(t.Engine, "alpha", pageSize: 3);

        Assert.Equal(expected, alpha.Select(c => c.Sequence));
        Assert.All(alpha, c => Assert.Equal("alpha", c.Namespace));
        Assert.Equal(8, (await t.AllChangesAsync("beta")).Count);
        Assert.Empty((await t.Engine.GetChangesAsync("gamma", 0, 10, Ct)).Changes);
    }

    [Fact]
    public async Task WatchAsync_ReplaysThenStreamsLiveChangesInOrder()
    {
        await using var t = new TestEngine();
        for (int i = 0; i < 3; i++)
        {
            await t.RememberAsync($"before {i}");
        }

        using var guard = HangGuard();
        await using var watch = t.Engine.WatchAsync(null, 0, cancellationToken: guard.Token).GetAsyncEnumerator(guard.Token);
        var received = new List<ChangeEvent>();
        for (int i = 0; i < 3; i++)
        {
            Assert.True(await watch.MoveNextAsync());
            received.Add(watch.Current);
        }

        var pending = watch.MoveNextAsync().AsTask();
        var live = await t.RememberAsync("live 0");
        await t.Engine.UpdateAsync(live.Id, new MemoryUpdate { Content = "live 0, edited" }, cancellationToken: Ct);
        await t.RememberAsync("live 1");
        Assert.True(await pending);
        received.Add(watch.Current);
        for (int i = 0; i < 2; i++)
        {
            Assert.True(await watch.MoveNextAsync());
            received.Add(watch.Current);
        }

        Assert.Equal([1L, 2, 3, 4, 5, 6], received.Select(c => c.Sequence));
        Assert.Equal([ChangeOperation.Created, ChangeOperation.Updated, ChangeOperation.Created], received.Skip(3).Select(c => c.Operation));
        Assert.Equal(live.Id, received[4].EntityId);
    }

    [Fact]
    public async Task WatchAsync_Since_ReplaysOnlyLaterChanges()
    {
        await using var t = new TestEngine();
        for (int i = 0; i < 5; i++)
        {
            await t.RememberAsync($"note {i}");
        }

        using var guard = HangGuard();
        await using var watch = t.Engine.WatchAsync(null, 3, cancellationToken: guard.Token).GetAsyncEnumerator(guard.Token);

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(4, watch.Current.Sequence);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(5, watch.Current.Sequence);
    }

    [Fact]
    public async Task WatchAsync_NamespaceFilter_SkipsOtherNamespaces()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("old beta", ns: "beta");
        var oldAlpha = await t.RememberAsync("old alpha", ns: "alpha");

        using var guard = HangGuard();
        await using var watch = t.Engine.WatchAsync("alpha", 0, cancellationToken: guard.Token).GetAsyncEnumerator(guard.Token);
        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(oldAlpha.Id, watch.Current.EntityId);

        var pending = watch.MoveNextAsync().AsTask();
        await t.RememberAsync("new beta", ns: "beta");
        var newAlpha = await t.RememberAsync("new alpha", ns: "alpha");

        Assert.True(await pending);
        Assert.Equal(newAlpha.Id, watch.Current.EntityId);
        Assert.Equal("alpha", watch.Current.Namespace);
        Assert.Equal(4, watch.Current.Sequence);
    }

    [Fact]
    public async Task WatchAsync_SlowWatcher_OverflowsAndResumesWithoutGapsOrDuplicates()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("seed");
        using var guard = HangGuard();
        var received = new List<long>();

        var watch = t.Engine.WatchAsync(null, t.Engine.LastSequence, capacity: 2, cancellationToken: guard.Token).GetAsyncEnumerator(guard.Token);
        var pending = watch.MoveNextAsync().AsTask();
        for (int i = 0; i < 6; i++)
        {
            await t.RememberAsync($"burst {i}");
        }

        Assert.True(await pending);
        received.Add(watch.Current.Sequence);
        var overflow = await Assert.ThrowsAsync<ChangeFeedOverflowException>(async () =>
        {
            while (await watch.MoveNextAsync())
            {
                received.Add(watch.Current.Sequence);
            }
        });
        await watch.DisposeAsync();

        Assert.Equal(received[^1], overflow.LastDelivered);
        Assert.True(received.Count < 6, "the watcher should have been cut off before receiving the whole burst");

        await t.RememberAsync("after the overflow");
        await foreach (var change in t.Engine.WatchAsync(null, overflow.LastDelivered, cancellationToken: guard.Token))
        {
            received.Add(change.Sequence);
            if (change.Sequence == t.Engine.LastSequence)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(2, 7).Select(i => (long)i), received);
    }

    [Fact]
    public async Task WatchAsync_EngineDisposed_EndsTheStream()
    {
        var t = new TestEngine();
        await t.RememberAsync("seed");
        using var guard = HangGuard();
        await using var watch = t.Engine.WatchAsync(null, t.Engine.LastSequence, cancellationToken: guard.Token).GetAsyncEnumerator(guard.Token);
        var pending = watch.MoveNextAsync().AsTask();

        await t.DisposeAsync();

        Assert.False(await pending);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_StopsWithCancellation()
    {
        await using var t = new TestEngine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        await using var watch = t.Engine.WatchAsync(null, 0, cancellationToken: cts.Token).GetAsyncEnumerator(cts.Token);
        var pending = watch.MoveNextAsync().AsTask();

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task Sequence_SurvivesReopeningANewEngineOnTheSameStore()
    {
        var t = new TestEngine();
        var a = await t.RememberAsync("one");
        await t.RememberAsync("two");
        await t.Engine.UpdateAsync(a.Id, new MemoryUpdate { Importance = 0.9 }, cancellationToken: Ct);
        await t.DisposeAsync();

        await using var reopened = t.Reopen();
        await reopened.InitializeAsync(Ct);
        Assert.Equal(3, reopened.LastSequence);

        await reopened.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "three" }, Ct);

        Assert.Equal(4, reopened.LastSequence);
        Assert.Equal([1L, 2, 3, 4], (await TestEngine.AllChangesAsync(reopened)).Select(c => c.Sequence));
    }

    [Fact]
    public async Task RejectedWrite_DoesNotConsumeASequenceNumber()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("one");

        await Assert.ThrowsAsync<MemoryValidationException>(() => t.RememberAsync(""));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.UpdateAsync("ffffffffffffffffffffffffffffffff", new MemoryUpdate { Importance = 1 }, cancellationToken: Ct));
        await t.RememberAsync("two");

        Assert.Equal([1L, 2], (await t.AllChangesAsync()).Select(c => c.Sequence));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public async Task GetChangesAsync_NegativeSince_IsRejected(long since)
    {
        await using var t = new TestEngine();

        Assert.Equal("since", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetChangesAsync(null, since, 10, Ct))).Field);
    }

    [Fact]
    public async Task WatchAsync_BadArguments_AreRejected()
    {
        await using var t = new TestEngine();

        var capacity = await Assert.ThrowsAsync<MemoryValidationException>(async () =>
        {
            await foreach (var _ in t.Engine.WatchAsync(null, 0, capacity: 0, cancellationToken: Ct))
            {
            }
        });
        var ns = await Assert.ThrowsAsync<MemoryValidationException>(async () =>
        {
            await foreach (var _ in t.Engine.WatchAsync("bad namespace", 0, cancellationToken: Ct))
            {
            }
        });

        Assert.Equal("capacity", capacity.Field);
        Assert.Equal("namespace", ns.Field);
    }

    private static async Task<List<ChangeEvent>> AllChangesPagedAsync(MemoryEngine engine, string ns, int pageSize)
    {
        var all = new List<ChangeEvent>();
        long since = 0;
        ChangePage page;
        do
        {
            page = await engine.GetChangesAsync(ns, since, pageSize, Ct);
            all.AddRange(page.Changes);
            since = page.NextSince;
        }
        while (page.HasMore);

        return all;
    }
}
