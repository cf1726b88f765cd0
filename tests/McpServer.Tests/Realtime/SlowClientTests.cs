using System.Net;
using System.Net.WebSockets;
using KernelMemoryPlus.Server.Realtime;

namespace KernelMemoryPlus.Server.Tests.Realtime;

public sealed class SlowClientTests
{
    private const int QueueFrames = 8;
    private const int QueueBytes = 2048;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static Dictionary<string, string> SlowClientSettings(string closeTimeout) => new()
    {
        ["KernelMemoryPlus:WebSocket:SendQueueFrames"] = QueueFrames.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["KernelMemoryPlus:WebSocket:SendQueueBytes"] = QueueBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["KernelMemoryPlus:WebSocket:SendTimeout"] = "00:00:01",
        ["KernelMemoryPlus:WebSocket:CloseTimeout"] = closeTimeout,

        // The client below stops reading, so it would not answer pings either; only the send timeout may judge it.
        ["KernelMemoryPlus:WebSocket:KeepAliveTimeout"] = "01:00:00",
    };

    [Fact]
    public async Task ClientThatStopsReading_IsToldOverflowAndClosed_WithBoundedQueue_AndResumesWithoutLoss()
    {
        await using var host = RealtimeHost.Start(SlowClientSettings(closeTimeout: "00:05:00"), kestrel: true);
        var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("flood", since: 0);
        await client.ExpectAsync("subscribed");
        var connection = host.SingleConnection();

        // The client reads nothing more. Write until the server gives up on it.
        int batches = 0;
        while (!connection.Terminating.IsCompleted)
        {
            Assert.True(++batches < 2_000, "The server never noticed that the client stopped reading.");
            await Feed.WriteAsync(host.Engine, "flood", 50);
        }

        Assert.Equal(CloseReason.Overflow, connection.Reason);

        // Now it reads: changes in order, then the overflow error naming where to resume, then the close.
        var received = new List<ReceivedChange>();
        var frame = await client.ReceiveAsync();
        while (frame.Type == "change")
        {
            received.Add(ReceivedChange.From(frame.Json));
            frame = await client.ReceiveAsync();
        }

        Assert.Equal("error", frame.Type);
        Assert.Equal("overflow", frame.Json.GetProperty("code").GetString());
        Assert.Equal("flood", frame.Json.GetProperty("namespace").GetString());
        long resumeFrom = frame.Json.GetProperty("resumeFrom").GetInt64();
        Assert.Equal(received[^1].Sequence, resumeFrom);
        var close = await client.ReceiveAsync();
        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Token);
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(30), Token);
        client.Socket.Dispose();

        // The server's send queue never held more than its bound (plus the one frame it always admits).
        Assert.InRange(connection.PeakQueuedFrames, 1, QueueFrames);
        Assert.InRange(connection.PeakQueuedBytes, 1, QueueBytes + 512);

        // Resuming from resumeFrom yields the rest of the feed, so nothing was lost or repeated.
        var feed = await Feed.ReadAsync(host.Engine, "flood");
        await using var again = await host.ConnectAsync(Token);
        await again.SubscribeAsync("flood", resumeFrom);
        await again.ExpectAsync("subscribed");
        received.AddRange(await again.ReceiveChangesAsync(feed.Count - received.Count));
        Assert.Equal(feed, received);
    }

    [Fact]
    public async Task ClientThatNeverReadsAgain_IsDropped_AndTheServerGoesOn()
    {
        await using var host = RealtimeHost.Start(SlowClientSettings(closeTimeout: "00:00:01"), kestrel: true);
        var stuck = await host.ConnectAsync(Token);
        await stuck.SubscribeAsync("flood", since: 0);
        await stuck.ExpectAsync("subscribed");
        var connection = host.SingleConnection();

        int batches = 0;
        while (!connection.Terminating.IsCompleted)
        {
            Assert.True(++batches < 2_000, "The server never noticed that the client stopped reading.");
            await Feed.WriteAsync(host.Engine, "flood", 50);
        }

        // It cannot even take the close, so the server drops it once the close timeout passes.
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(60), Token);
        Assert.Equal(CloseReason.Overflow, connection.Reason);
        Assert.Empty(host.Connections.Open);
        Assert.InRange(connection.PeakQueuedBytes, 1, QueueBytes + 512);

        // Others are served as before.
        await using var healthy = await host.ConnectAsync(Token);
        await healthy.SubscribeAsync("flood");
        await healthy.ExpectAsync("subscribed");
        await Feed.WriteAsync(host.Engine, "flood", 3);
        Assert.Equal((await Feed.ReadAsync(host.Engine, "flood"))[^3..], await healthy.ReceiveChangesAsync(3));
        using var http = new HttpClient { BaseAddress = new UriBuilder(host.KestrelAddress!) { Scheme = "http", Path = "/" }.Uri };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), Token)).StatusCode);
        stuck.Socket.Dispose();
    }
}
