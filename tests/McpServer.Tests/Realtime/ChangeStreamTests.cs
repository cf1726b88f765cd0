using System.Net.WebSockets;

namespace KernelMemoryPlus.Server.Tests.Realtime;

public sealed class ChangeStreamTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Subscribe_WithoutSince_StreamsLiveChangesInOrderExactlyAsTheFeed()
    {
        await using var host = RealtimeHost.Start();
        await Feed.WriteAsync(host.Engine, "live", 3);
        long head = host.Engine.LastSequence;
        await using var client = await host.ConnectAsync(Token);

        await client.SubscribeAsync("live", id: "s1");
        var subscribed = await client.ExpectAsync("subscribed");
        Assert.Equal("s1", subscribed.GetProperty("id").GetString());
        Assert.Equal("live", subscribed.GetProperty("namespace").GetString());
        Assert.Equal(head, subscribed.GetProperty("since").GetInt64());
        Assert.Equal(head, subscribed.GetProperty("head").GetInt64());

        // Every kind of operation, one write at a time.
        var first = await host.Engine.RememberAsync(new NewMemory { Namespace = "live", Content = "first", Author = "ada" }, Token);
        var second = await host.Engine.RememberAsync(new NewMemory { Namespace = "live", Content = "second" }, Token);
        await host.Engine.UpdateAsync(first.Id, new MemoryUpdate { Content = "first, edited" }, cancellationToken: Token);
        await host.Engine.LinkAsync(new NewLink { FromId = first.Id, ToId = second.Id, Type = "related" }, Token);
        await host.Engine.UnlinkAsync(first.Id, second.Id, cancellationToken: Token);
        await host.Engine.ForgetAsync(second.Id, cancellationToken: Token);
        await Feed.WriteAsync(host.Engine, "live", 20);

        var expected = await Feed.ReadAsync(host.Engine, "live", head);
        Assert.Equal(26, expected.Count);
        var received = await client.ReceiveChangesAsync(expected.Count);

        Assert.Equal(expected, received);
        Assert.Equal(["Created", "Created", "Updated", "Linked", "Unlinked", "Deleted"], received.Take(6).Select(c => c.Operation));
        Assert.Equal("ada", received[0].Author);
        Assert.Empty(await client.PingAsync());
    }

    [Fact]
    public async Task Subscribe_WithSince_ReplaysTheRestOfTheFeedThenStreamsLive()
    {
        await using var host = RealtimeHost.Start();
        await Feed.WriteAsync(host.Engine, "replay", 10);
        await Feed.WriteAsync(host.Engine, "elsewhere", 5);
        var before = await Feed.ReadAsync(host.Engine, "replay");
        long since = before[3].Sequence;
        await using var client = await host.ConnectAsync(Token);

        await client.SubscribeAsync("replay", since);
        Assert.Equal(since, (await client.ExpectAsync("subscribed")).GetProperty("since").GetInt64());
        var replayed = await client.ReceiveChangesAsync(6);
        await Feed.WriteAsync(host.Engine, "replay", 4);
        var live = await client.ReceiveChangesAsync(4);

        Assert.Equal(before.Skip(4), replayed);
        Assert.Equal(await Feed.ReadAsync(host.Engine, "replay", since), replayed.Concat(live));
        Assert.Empty(await client.PingAsync());
    }

    [Fact]
    public async Task Subscribe_FromZeroToEveryNamespace_ReplaysTheWholeFeed()
    {
        await using var host = RealtimeHost.Start();
        await Feed.WriteAsync(host.Engine, "a", 4);
        await Feed.WriteAsync(host.Engine, "b", 3);
        await using var client = await host.ConnectAsync(Token);

        await client.SubscribeAsync(null, since: 0);
        var subscribed = await client.ExpectAsync("subscribed");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, subscribed.GetProperty("namespace").ValueKind);
        await Feed.WriteAsync(host.Engine, "c", 2);

        Assert.Equal(await Feed.ReadAsync(host.Engine, null), await client.ReceiveChangesAsync(9));
    }

    [Fact]
    public async Task Subscriptions_OnOneConnection_EachGetOnlyTheirNamespaceFromTheirOwnSince()
    {
        await using var host = RealtimeHost.Start();
        await Feed.WriteAsync(host.Engine, "alpha", 5);
        await Feed.WriteAsync(host.Engine, "beta", 5);
        long betaSince = host.Engine.LastSequence;
        await using var client = await host.ConnectAsync(Token);

        await client.SubscribeAsync("alpha", since: 0, id: "a");
        Assert.Equal("a", (await client.ExpectAsync("subscribed")).GetProperty("id").GetString());
        await client.SubscribeAsync("beta", since: betaSince, id: "b");
        var received = new List<ReceivedChange>();
        var frame = await client.ReceiveAsync();
        while (frame.Type == "change")
        {
            received.Add(ReceivedChange.From(frame.Json));
            frame = await client.ReceiveAsync();
        }

        Assert.Equal("subscribed", frame.Type);
        for (int round = 0; round < 5; round++)
        {
            await Feed.WriteAsync(host.Engine, "alpha", 2);
            await Feed.WriteAsync(host.Engine, "gamma", 2);
            await Feed.WriteAsync(host.Engine, "beta", 2);
        }

        var alpha = await Feed.ReadAsync(host.Engine, "alpha");
        var beta = await Feed.ReadAsync(host.Engine, "beta", betaSince);
        received.AddRange(await client.ReceiveChangesAsync(alpha.Count + beta.Count - received.Count));

        // Each subscription is in order on its own; between them frames interleave.
        Assert.Equal(alpha, received.Where(c => c.Namespace == "alpha"));
        Assert.Equal(beta, received.Where(c => c.Namespace == "beta"));
        Assert.DoesNotContain(received, c => c.Namespace == "gamma");
        Assert.Empty(await client.PingAsync());
    }

    [Fact]
    public async Task Unsubscribe_StopsThatSubscriptionOnly_AndNothingOfItFollowsTheAcknowledgement()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("keep");
        await client.ExpectAsync("subscribed");
        await client.SubscribeAsync("drop");
        await client.ExpectAsync("subscribed");
        await Feed.WriteAsync(host.Engine, "drop", 3);
        await client.ReceiveChangesAsync(3);

        await client.SendAsync(new { type = "unsubscribe", id = "u", @namespace = "drop" });
        var unsubscribed = await client.ExpectAsync("unsubscribed");
        Assert.Equal("u", unsubscribed.GetProperty("id").GetString());
        Assert.Equal((await Feed.ReadAsync(host.Engine, "drop"))[^1].Sequence, unsubscribed.GetProperty("lastSequence").GetInt64());

        await Feed.WriteAsync(host.Engine, "drop", 3);
        await Feed.WriteAsync(host.Engine, "keep", 1);
        var after = await client.ReceiveChangesAsync(1);
        Assert.Equal("keep", after[0].Namespace);
        Assert.Empty(await client.PingAsync());

        // Subscribing again resumes where the acknowledgement said.
        await client.SubscribeAsync("drop", unsubscribed.GetProperty("lastSequence").GetInt64());
        await client.ExpectAsync("subscribed");
        Assert.Equal((await Feed.ReadAsync(host.Engine, "drop")).Skip(3), await client.ReceiveChangesAsync(3));
    }

    [Fact]
    public async Task ConnectionKilledMidStream_ResumingFromTheLastSequence_YieldsExactlyTheFeed()
    {
        await using var host = RealtimeHost.Start(kestrel: true);
        const int Writes = 120;
        using var writerStop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var writer = Task.Run(
            async () =>
            {
                for (int i = 0; i < Writes; i++)
                {
                    await Feed.WriteAsync(host.Engine, "stream", 1 + (i % 3));
                    await Feed.WriteAsync(host.Engine, "noise", 1);
                }
            },
            writerStop.Token);

        var received = new List<ReceivedChange>();
        long last = 0;

        // Two connections die abruptly while the writer keeps writing; each reconnect resumes from the last sequence.
        foreach (int cutAfter in new[] { 25, 60 })
        {
            var client = await host.ConnectAsync(Token);
            await client.SubscribeAsync("stream", last);
            await client.ExpectAsync("subscribed");
            var batch = await client.ReceiveChangesAsync(cutAfter);
            client.Socket.Abort();
            client.Socket.Dispose();
            received.AddRange(batch);
            last = batch[^1].Sequence;
        }

        await writer;
        var feed = await Feed.ReadAsync(host.Engine, "stream");
        await using (var client = await host.ConnectAsync(Token))
        {
            await client.SubscribeAsync("stream", last);
            await client.ExpectAsync("subscribed");
            received.AddRange(await client.ReceiveChangesAsync(feed.Count - received.Count));
            Assert.Empty(await client.PingAsync());
        }

        Assert.Equal(feed, received);
        Assert.Equal(received.Count, received.Select(c => c.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task ManyConnections_AtOnce_EachReceiveExactlyTheirFeed()
    {
        await using var host = RealtimeHost.Start();
        string[] namespaces = ["n0", "n1", "n2", "n3"];
        var clients = new List<(RealtimeClient Client, string? Namespace)>();
        foreach (var ns in namespaces.Cast<string?>().Concat([null, null, "n1", "n2"]))
        {
            var client = await host.ConnectAsync(Token);
            await client.SubscribeAsync(ns, since: 0);
            await client.ExpectAsync("subscribed");
            clients.Add((client, ns));
        }

        await Task.WhenAll(namespaces.Select(ns => Task.Run(
            async () =>
            {
                for (int i = 0; i < 15; i++)
                {
                    await Feed.WriteAsync(host.Engine, ns, 1 + (i % 2));
                }
            },
            Token)));

        await Task.WhenAll(clients.Select(async c =>
        {
            var expected = await Feed.ReadAsync(host.Engine, c.Namespace);
            Assert.Equal(expected, await c.Client.ReceiveChangesAsync(expected.Count));
            Assert.Empty(await c.Client.PingAsync());
        }));
        Assert.Equal(clients.Count, host.Connections.Open.Count);

        foreach (var (client, _) in clients)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task ClientClose_IsAnsweredWithNormalClosure_AndTheServerForgetsTheConnection()
    {
        await using var host = RealtimeHost.Start();
        var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("any");
        await client.ExpectAsync("subscribed");
        var connection = host.SingleConnection();

        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", Token);
        var close = await client.ReceiveAsync();

        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Equal(KernelMemoryPlus.Server.Realtime.CloseReason.ClientClosed, connection.Reason);
        Assert.Empty(host.Connections.Open);
        client.Socket.Dispose();
    }
}
