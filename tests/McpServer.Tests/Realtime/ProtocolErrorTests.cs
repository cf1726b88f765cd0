using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Realtime;

public sealed class ProtocolErrorTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string?> BadRequests => new()
    {
        { "this is not json", "invalid_json", null },
        { "{\"type\":\"ping\"", "invalid_json", null },
        { new string('[', 100) + new string(']', 100), "invalid_json", null },
        { "[1,2,3]", "invalid_message", null },
        { "\"subscribe\"", "invalid_message", null },
        { "{\"namespace\":\"a\"}", "invalid_field", "type" },
        { "{\"type\":7}", "invalid_field", "type" },
        { "{\"type\":\"dance\"}", "unknown_type", "type" },
        { "{\"type\":\"ping\",\"id\":{}}", "invalid_field", "id" },
        { "{\"type\":\"ping\",\"id\":\"\"}", "invalid_field", "id" },
        { "{\"type\":\"subscribe\",\"since\":0}", "invalid_field", "namespace" },
        { "{\"type\":\"subscribe\",\"namespace\":5}", "invalid_field", "namespace" },
        { "{\"type\":\"subscribe\",\"namespace\":\"../etc\"}", "invalid_field", "namespace" },
        { "{\"type\":\"subscribe\",\"namespace\":\"\"}", "invalid_field", "namespace" },
        { "{\"type\":\"subscribe\",\"namespace\":\"ok\",\"since\":-1}", "invalid_field", "since" },
        { "{\"type\":\"subscribe\",\"namespace\":\"ok\",\"since\":\"12\"}", "invalid_field", "since" },
        { "{\"type\":\"subscribe\",\"namespace\":\"ok\",\"since\":1.5}", "invalid_field", "since" },
        { "{\"type\":\"subscribe\",\"namespace\":\"ok\",\"since\":99999999}", "since_ahead", "since" },
        { "{\"type\":\"unsubscribe\",\"namespace\":\"never\"}", "not_subscribed", "namespace" },
        { "{\"type\":\"unsubscribe\"}", "invalid_field", "namespace" },
        { "{\"type\":\"list\",\"namespace\":\"ok\"}", "invalid_field", "id" },
        { "{\"type\":\"list\",\"id\":\"l\"}", "invalid_field", "namespace" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":null}", "invalid_field", "namespace" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"ok\",\"pageSize\":0}", "invalid_field", "pageSize" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"ok\",\"pageSize\":100000}", "invalid_field", "pageSize" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"ok\",\"kind\":\"dream\"}", "invalid_field", "kind" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"ok\",\"kind\":\"1\"}", "invalid_field", "kind" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"ok\",\"tag\":7}", "invalid_field", "tag" },
        { "{\"type\":\"list\",\"id\":\"l\",\"namespace\":\"bad namespace\"}", "invalid_field", "namespace" },
        { "{\"type\":\"cancel\"}", "invalid_field", "id" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadRequest_GetsAnErrorNamingTheField_AndTheConnectionGoesOn(string frame, string code, string? field)
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);
        await Feed.WriteAsync(host.Engine, "ok", 1);

        await client.SendTextAsync(frame);
        var error = await client.ExpectAsync("error");

        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        if (field is null)
        {
            Assert.False(error.TryGetProperty("field", out _));
        }
        else
        {
            Assert.Equal(field, error.GetProperty("field").GetString());
        }

        await AssertStillServesAsync(host, client);
    }

    [Fact]
    public async Task Error_EchoesTheRequestId()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);

        await client.SendTextAsync("{\"type\":\"subscribe\",\"id\":42,\"namespace\":\"ok\",\"since\":-5}");
        var numeric = await client.ExpectAsync("error");
        await client.SendTextAsync("{\"type\":\"subscribe\",\"id\":\"req-7\",\"namespace\":\"no spaces\"}");
        var text = await client.ExpectAsync("error");

        Assert.Equal(42, numeric.GetProperty("id").GetInt64());
        Assert.Equal("since", numeric.GetProperty("field").GetString());
        Assert.Equal("req-7", text.GetProperty("id").GetString());
        Assert.Equal("namespace", text.GetProperty("field").GetString());
    }

    [Fact]
    public async Task OversizedFrame_IsDiscardedWithAnError_WholeOrInFragments()
    {
        await using var host = RealtimeHost.Start(new Dictionary<string, string> { ["KernelMemoryPlus:WebSocket:MaxFrameBytes"] = "2048" });
        await using var client = await host.ConnectAsync(Token);
        string huge = JsonSerializer.Serialize(new { type = "ping", id = "big", padding = new string('x', 10_000) });

        await client.SendTextAsync(huge);
        var whole = await client.ExpectAsync("error");
        var bytes = Encoding.UTF8.GetBytes(huge);
        for (int offset = 0; offset < bytes.Length; offset += 1000)
        {
            int count = Math.Min(1000, bytes.Length - offset);
            await client.Socket.SendAsync(bytes.AsMemory(offset, count), WebSocketMessageType.Text, offset + count == bytes.Length, Token);
        }

        var fragmented = await client.ExpectAsync("error");

        foreach (var error in new[] { whole, fragmented })
        {
            Assert.Equal("frame_too_large", error.GetProperty("code").GetString());
            Assert.Equal("frame", error.GetProperty("field").GetString());
            Assert.Contains("MaxFrameBytes", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        // A frame just under the limit is still read whole.
        string fits = JsonSerializer.Serialize(new { type = "ping", id = "fits", padding = new string('y', 1900) });
        await client.SendTextAsync(fits);
        Assert.Equal("fits", (await client.ExpectAsync("pong")).GetProperty("id").GetString());
        await AssertStillServesAsync(host, client);
    }

    [Fact]
    public async Task BinaryFrame_GetsAnError_AndTheConnectionGoesOn()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);

        await client.Socket.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, Token);

        Assert.Equal("binary_not_supported", (await client.ExpectAsync("error")).GetProperty("code").GetString());
        await AssertStillServesAsync(host, client);
    }

    [Fact]
    public async Task TooManySubscriptions_AreRefused_UntilOneIsDropped()
    {
        await using var host = RealtimeHost.Start(new Dictionary<string, string> { ["KernelMemoryPlus:WebSocket:MaxSubscriptions"] = "2" });
        await using var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("one");
        await client.ExpectAsync("subscribed");
        await client.SubscribeAsync("two");
        await client.ExpectAsync("subscribed");

        await client.SubscribeAsync("three");
        var error = await client.ExpectAsync("error");
        await client.SendAsync(new { type = "unsubscribe", @namespace = "one" });
        await client.ExpectAsync("unsubscribed");
        await client.SubscribeAsync("three");
        await client.ExpectAsync("subscribed");

        Assert.Equal("too_many_subscriptions", error.GetProperty("code").GetString());
        Assert.Equal("namespace", error.GetProperty("field").GetString());
        Assert.Contains("MaxSubscriptions", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        await Feed.WriteAsync(host.Engine, "three", 1);
        Assert.Equal("three", Assert.Single(await client.ReceiveChangesAsync(1)).Namespace);
    }

    [Fact]
    public async Task OverlappingSubscriptions_AreRefused_SoNoChangeArrivesTwice()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("shared", since: 0);
        await client.ExpectAsync("subscribed");

        await client.SubscribeAsync("shared", since: 0);
        var again = await client.ExpectAsync("error");
        await client.SubscribeAsync(null, since: 0);
        var everything = await client.ExpectAsync("error");

        Assert.Equal("already_subscribed", again.GetProperty("code").GetString());
        Assert.Equal("namespace", again.GetProperty("field").GetString());
        Assert.Equal("overlapping_subscription", everything.GetProperty("code").GetString());
        Assert.Equal("namespace", everything.GetProperty("field").GetString());

        await client.SendAsync(new { type = "unsubscribe", @namespace = "shared" });
        await client.ExpectAsync("unsubscribed");
        await client.SubscribeAsync(null, since: 0);
        await client.ExpectAsync("subscribed");
        await client.SubscribeAsync("other");
        Assert.Equal("overlapping_subscription", (await client.ExpectAsync("error")).GetProperty("code").GetString());

        await Feed.WriteAsync(host.Engine, "shared", 2);
        Assert.Equal(await Feed.ReadAsync(host.Engine, null), await client.ReceiveChangesAsync(2));
        Assert.Empty(await client.PingAsync());
    }

    [Fact]
    public async Task ABarrageOfGarbage_NeitherBreaksTheConnectionNorTheServer()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);
        var random = new Random(1234);
        const int Frames = 200;

        for (int i = 0; i < Frames; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            await client.Socket.SendAsync(bytes, WebSocketMessageType.Text, true, Token);
        }

        for (int i = 0; i < Frames; i++)
        {
            Assert.Equal("error", (await client.ReceiveAsync()).Type);
        }

        await AssertStillServesAsync(host, client);
        using var http = host.CreateHttpClient();
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative), Token)).StatusCode);
    }

    /// <summary>Proves the connection still works: a subscription on it receives a new change.</summary>
    private static async Task AssertStillServesAsync(RealtimeHost host, RealtimeClient client)
    {
        await client.SubscribeAsync("still-alive", id: "check");
        Assert.Equal("check", (await client.ExpectAsync("subscribed")).GetProperty("id").GetString());
        var written = await Feed.WriteAsync(host.Engine, "still-alive", 1);
        var change = Assert.Single(await client.ReceiveChangesAsync(1));
        Assert.Equal(written[0].Id, change.EntityId);
    }
}
