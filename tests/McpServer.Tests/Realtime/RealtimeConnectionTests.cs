using System.Net.WebSockets;
using KernelMemoryPlus.Server.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace KernelMemoryPlus.Server.Tests.Realtime;

/// <summary>
/// A connection over in-memory pipes that hold 1 KiB, with an in-memory engine: the network's back-pressure is
/// small and known, so the tests can make the server fall behind a client by a known amount.
/// </summary>
public sealed class RealtimeConnectionTests : IAsyncDisposable
{
    private const int PipeBytes = 1024;

    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services.BuildServiceProvider();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private MemoryEngine Engine => _services.GetRequiredService<MemoryEngine>();

    [Fact]
    public async Task SubscriptionFallingFurtherBehindThanItsBuffer_IsToldOverflowWithResumeFrom_AndClosed()
    {
        var settings = new WebSocketSettings { SendQueueFrames = 4, SendQueueBytes = 4096, MaxPendingChanges = 20, SendTimeout = TimeSpan.FromHours(1) };
        var (connection, client, running) = Open(settings);
        await client.SubscribeAsync("flood", since: 0);
        await client.ExpectAsync("subscribed");

        // The client reads nothing while far more changes are written than the pipe, the queue and the
        // subscription's buffer of 20 can hold together.
        for (int i = 0; i < 10; i++)
        {
            await Feed.WriteAsync(Engine, "flood", 50);
        }

        var received = new List<ReceivedChange>();
        var frame = await client.ReceiveAsync();
        while (frame.Type == "change")
        {
            received.Add(ReceivedChange.From(frame.Json));
            frame = await client.ReceiveAsync();
        }

        Assert.Equal("overflow", frame.Json.GetProperty("code").GetString());
        Assert.Equal(received[^1].Sequence, frame.Json.GetProperty("resumeFrom").GetInt64());
        Assert.InRange(received.Count, 1, 499);
        var feed = await Feed.ReadAsync(Engine, "flood");
        Assert.Equal(feed.Take(received.Count), received);
        var close = await client.ReceiveAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Token);
        await running.WaitAsync(TimeSpan.FromSeconds(30), Token);
        Assert.Equal(CloseReason.Overflow, connection.Reason);
        Assert.InRange(connection.PeakQueuedFrames, 1, 4);
    }

    [Fact]
    public async Task Listing_ForAClientThatReadsSlowly_HoldsAtMostTheQueueBound_AndCanBeCancelled()
    {
        const int QueueBytes = 16 * 1024;
        var settings = new WebSocketSettings { SendQueueFrames = 64, SendQueueBytes = QueueBytes, MaxConcurrentLists = 1, SendTimeout = TimeSpan.FromHours(1) };
        for (int i = 0; i < 4; i++)
        {
            await Feed.WriteAsync(Engine, "big", 500, content: new string((char)('a' + i), 2000));
        }

        var (connection, client, running) = Open(settings);

        // One item proves the listing streams; then the client stops reading, so the listing (4 MB) fills the
        // queue and waits there until it is cancelled.
        await client.SendAsync(new { type = "list", id = "big", @namespace = "big", pageSize = 100 });
        var first = await client.ExpectAsync("item");
        await client.SendAsync(new { type = "cancel", id = "big" });
        var (items, end) = await ListStreamingTests.ReadListingAsync(client, "big", alreadyRead: 1);
        items.Insert(0, first.GetProperty("memory"));

        Assert.True(end.GetProperty("cancelled").GetBoolean());
        Assert.InRange(items.Count, 2, 1999);
        Assert.Equal(items.Count, items.Select(i => i.GetProperty("id").GetString()).Distinct().Count());
        Assert.InRange(connection.PeakQueuedBytes, 1, QueueBytes);

        // The id is free again once "end" arrived; a second listing runs to the end.
        await client.SendAsync(new { type = "list", id = "big", @namespace = "big", pageSize = 1000 });
        var (all, _) = await ListStreamingTests.ReadListingAsync(client, "big");
        Assert.Equal(2000, all.Count);
        await client.DisposeAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }

    [Fact]
    public async Task Listing_WhileAnotherWithTheSameIdOrOverTheLimitStreams_IsRefused()
    {
        var settings = new WebSocketSettings { SendQueueFrames = 8, MaxConcurrentLists = 1, SendTimeout = TimeSpan.FromHours(1) };
        await Feed.WriteAsync(Engine, "many", 1000, content: new string('m', 500));
        var (_, client, running) = Open(settings);

        await client.SendAsync(new { type = "list", id = "first", @namespace = "many", pageSize = 50 });
        await client.ExpectAsync("item");
        await client.SendAsync(new { type = "list", id = "first", @namespace = "many" });
        await client.SendAsync(new { type = "list", id = "second", @namespace = "many" });
        await client.SendAsync(new { type = "cancel", id = "first" });

        var errors = new List<System.Text.Json.JsonElement>();
        var items = 1;
        while (true)
        {
            var frame = await client.ReceiveAsync();
            if (frame.Type == "error")
            {
                errors.Add(frame.Json);
                continue;
            }

            if (frame.Type == "end")
            {
                Assert.True(frame.Json.GetProperty("cancelled").GetBoolean());
                Assert.Equal(items, frame.Json.GetProperty("count").GetInt64());
                break;
            }

            Assert.Equal("item", frame.Type);
            items++;
        }

        Assert.Collection(
            errors,
            e =>
            {
                Assert.Equal("duplicate_id", e.GetProperty("code").GetString());
                Assert.Equal("first", e.GetProperty("id").GetString());
            },
            e =>
            {
                Assert.Equal("too_many_lists", e.GetProperty("code").GetString());
                Assert.Equal("second", e.GetProperty("id").GetString());
            });
        Assert.Empty(await client.PingAsync());
        await client.DisposeAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(30), Token);
    }

    [Fact]
    public async Task SendQueue_WaitsForRoomInCountAndBytes_AndSealingReleasesEveryone()
    {
        var queue = new SendQueue(maxFrames: 2, maxBytes: 100);
        Assert.True(await queue.EnqueueAsync(new OutgoingFrame(new byte[40]), Token));
        Assert.True(await queue.EnqueueAsync(new OutgoingFrame(new byte[40]), Token));
        var third = queue.EnqueueAsync(new OutgoingFrame(new byte[10]), Token).AsTask();
        Assert.False(third.IsCompleted);

        Assert.NotNull(await queue.DequeueAsync());
        Assert.True(await third);
        var tooBig = queue.EnqueueAsync(new OutgoingFrame(new byte[90]), Token).AsTask();
        Assert.NotNull(await queue.DequeueAsync());
        Assert.False(tooBig.IsCompleted);
        Assert.NotNull(await queue.DequeueAsync());

        // A frame larger than the byte bound still goes through an empty queue, alone.
        Assert.True(await tooBig);
        Assert.NotNull(await queue.DequeueAsync());
        Assert.True(await queue.EnqueueAsync(new OutgoingFrame(new byte[500]), Token));
        var waiting = queue.EnqueueAsync(new OutgoingFrame(new byte[1]), Token).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(500, queue.PeakBytes);
        Assert.Equal(2, queue.PeakFrames);

        queue.Seal();
        Assert.False(await waiting);
        Assert.Null(await queue.DequeueAsync());
        Assert.False(await queue.EnqueueAsync(new OutgoingFrame(new byte[1]), Token));
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private (RealtimeConnection Connection, RealtimeClient Client, Task Running) Open(WebSocketSettings settings)
    {
        var (server, client) = PipeWebSockets.CreatePair(PipeBytes);
        var connection = new RealtimeConnection(1, server, Engine, settings, TimeProvider.System, NullLogger.Instance);
        return (connection, new RealtimeClient(client), connection.RunAsync(CancellationToken.None));
    }
}
