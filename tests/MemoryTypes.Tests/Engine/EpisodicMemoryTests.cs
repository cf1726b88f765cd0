namespace KernelMemoryPlus.Tests.Engine;

public sealed class EpisodicMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DateTimeOffset At(int minutes) => TestEngine.Start.AddMinutes(minutes);

    [Fact]
    public async Task RecordEventAsync_StoresAnEpisodicMemoryWithSessionAndTime()
    {
        await using var t = new TestEngine();

        var e = await t.Episodic.RecordEventAsync(TestEngine.Ns, "User asked about pricing", sessionId: "chat-1", occurredAt: At(-30),
            metadata: new Dictionary<string, string> { ["speaker"] = "user" }, importance: 0.7, author: "agent", cancellationToken: Ct);

        Assert.Equal(MemoryKind.Episodic, e.Kind);
        Assert.Equal("chat-1", e.SessionId);
        Assert.Equal(At(-30), e.OccurredAt);
        Assert.Equal(TestEngine.Start, e.CreatedAt);
        Assert.Equal("user", e.Metadata["speaker"]);
        Assert.Equal(0.7, e.Importance);
        Assert.Equal("agent", e.Author);
    }

    [Fact]
    public async Task TimelineAsync_ReturnsEventsInTimeOrderNotInsertionOrder()
    {
        await using var t = new TestEngine();
        var third = await t.Episodic.RecordEventAsync(TestEngine.Ns, "third", occurredAt: At(30), cancellationToken: Ct);
        var first = await t.Episodic.RecordEventAsync(TestEngine.Ns, "first", occurredAt: At(10), cancellationToken: Ct);
        var second = await t.Episodic.RecordEventAsync(TestEngine.Ns, "second", occurredAt: At(20), cancellationToken: Ct);
        await t.RememberAsync("a fact is not an event", MemoryKind.Semantic);

        var oldestFirst = await t.Episodic.TimelineAsync(TestEngine.Ns, cancellationToken: Ct);
        var newestFirst = await t.Episodic.TimelineAsync(TestEngine.Ns, newestFirst: true, cancellationToken: Ct);
        var limited = await t.Episodic.TimelineAsync(TestEngine.Ns, limit: 2, cancellationToken: Ct);

        Assert.Equal([first.Id, second.Id, third.Id], oldestFirst.Select(e => e.Id));
        Assert.Equal([third.Id, second.Id, first.Id], newestFirst.Select(e => e.Id));
        Assert.Equal([first.Id, second.Id], limited.Select(e => e.Id));
    }

    [Fact]
    public async Task TimelineAsync_TimeRangeAndSession_SelectTheRightEvents()
    {
        await using var t = new TestEngine();
        var ids = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            ids.Add((await t.Episodic.RecordEventAsync(TestEngine.Ns, $"event {i}", sessionId: i % 2 == 0 ? "even" : "odd", occurredAt: At(i * 10), cancellationToken: Ct)).Id);
        }

        var range = await t.Episodic.TimelineAsync(TestEngine.Ns, from: At(10), to: At(40), cancellationToken: Ct);
        var evenInRange = await t.Episodic.TimelineAsync(TestEngine.Ns, from: At(0), to: At(40), sessionId: "even", cancellationToken: Ct);

        Assert.Equal([ids[1], ids[2], ids[3]], range.Select(e => e.Id));
        Assert.Equal([ids[0], ids[2]], evenInRange.Select(e => e.Id));
    }

    [Fact]
    public async Task TimelineAsync_FromAfterTo_IsRejected()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.TimelineAsync(TestEngine.Ns, from: At(10), to: At(0), cancellationToken: Ct));

        Assert.Equal("filter.from", ex.Field);
    }

    [Fact]
    public async Task ListSessionsAsync_ReturnsSessionsWithSizeAndSpanMostRecentFirst()
    {
        await using var t = new TestEngine();
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "a1", sessionId: "a", occurredAt: At(0), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "a2", sessionId: "a", occurredAt: At(50), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "b1", sessionId: "b", occurredAt: At(10), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "b2", sessionId: "b", occurredAt: At(20), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "b3", sessionId: "b", occurredAt: At(30), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "no session", occurredAt: At(60), cancellationToken: Ct);

        var sessions = await t.Episodic.ListSessionsAsync(TestEngine.Ns, Ct);

        Assert.Equal(
            [new EpisodeSession("a", 2, At(0), At(50)), new EpisodeSession("b", 3, At(10), At(30))],
            sessions);
    }

    [Fact]
    public async Task AroundAsync_ReturnsNeighboursInTheSameSessionOldestFirst()
    {
        await using var t = new TestEngine();
        var chat = new List<MemoryRecord>();
        for (int i = 0; i < 7; i++)
        {
            chat.Add(await t.Episodic.RecordEventAsync(TestEngine.Ns, $"chat turn {i}", sessionId: "chat", occurredAt: At(i * 10), cancellationToken: Ct));

            // Another session interleaved in time must not show up.
            await t.Episodic.RecordEventAsync(TestEngine.Ns, $"other turn {i}", sessionId: "other", occurredAt: At((i * 10) + 5), cancellationToken: Ct);
        }

        var around = await t.Episodic.AroundAsync(chat[3].Id, before: 2, after: 2, cancellationToken: Ct);

        Assert.Equal(chat[3].Id, around.Event.Id);
        Assert.Equal([chat[1].Id, chat[2].Id], around.Before.Select(e => e.Id));
        Assert.Equal([chat[4].Id, chat[5].Id], around.After.Select(e => e.Id));
    }

    [Fact]
    public async Task AroundAsync_AcrossSessions_UsesAllEvents()
    {
        await using var t = new TestEngine();
        var a = await t.Episodic.RecordEventAsync(TestEngine.Ns, "a", sessionId: "x", occurredAt: At(0), cancellationToken: Ct);
        var b = await t.Episodic.RecordEventAsync(TestEngine.Ns, "b", sessionId: "y", occurredAt: At(10), cancellationToken: Ct);
        var c = await t.Episodic.RecordEventAsync(TestEngine.Ns, "c", sessionId: "x", occurredAt: At(20), cancellationToken: Ct);

        var around = await t.Episodic.AroundAsync(b.Id, before: 1, after: 1, sameSessionOnly: false, cancellationToken: Ct);

        Assert.Equal([a.Id], around.Before.Select(e => e.Id));
        Assert.Equal([c.Id], around.After.Select(e => e.Id));
    }

    [Fact]
    public async Task AroundAsync_SameTimestamp_OrdersByInsertionAndNeverRepeatsTheEvent()
    {
        await using var t = new TestEngine();
        var turns = new List<MemoryRecord>();
        for (int i = 0; i < 5; i++)
        {
            turns.Add(await t.Episodic.RecordEventAsync(TestEngine.Ns, $"burst {i}", sessionId: "s", cancellationToken: Ct));
        }

        var around = await t.Episodic.AroundAsync(turns[2].Id, before: 5, after: 5, cancellationToken: Ct);

        Assert.Equal([turns[0].Id, turns[1].Id], around.Before.Select(e => e.Id));
        Assert.Equal([turns[3].Id, turns[4].Id], around.After.Select(e => e.Id));
    }

    [Fact]
    public async Task AroundAsync_UnknownEventOrBadCounts_AreRejected()
    {
        await using var t = new TestEngine();
        var e = await t.Episodic.RecordEventAsync(TestEngine.Ns, "something", cancellationToken: Ct);

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Episodic.AroundAsync("00000000000000000000000000000000", cancellationToken: Ct));
        Assert.Equal("before", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.AroundAsync(e.Id, before: -1, cancellationToken: Ct))).Field);
        Assert.Equal("after", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.AroundAsync(e.Id, after: 101, cancellationToken: Ct))).Field);
    }

    [Fact]
    public async Task RecallAsync_OnlyEventsInRange()
    {
        await using var t = new TestEngine();
        var inRange = await t.Episodic.RecordEventAsync(TestEngine.Ns, "Discussed the hiring plan", occurredAt: At(10), cancellationToken: Ct);
        await t.Episodic.RecordEventAsync(TestEngine.Ns, "Discussed the hiring plan again", occurredAt: At(100), cancellationToken: Ct);
        await t.RememberAsync("The hiring plan has three roles", MemoryKind.Semantic);

        var results = await t.Episodic.RecallAsync(TestEngine.Ns, "hiring plan", from: At(0), to: At(50), cancellationToken: Ct);

        Assert.Equal([inRange.Id], results.Select(r => r.Memory.Id));
    }
}
