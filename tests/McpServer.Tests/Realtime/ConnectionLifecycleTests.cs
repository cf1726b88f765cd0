using System.Net;
using System.Net.WebSockets;
using KernelMemoryPlus.Server.Realtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace KernelMemoryPlus.Server.Tests.Realtime;

public sealed class ConnectionLifecycleTests
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(2);

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PlainHttpRequest_GetsA400ProblemPointingToTheProtocol()
    {
        await using var host = RealtimeHost.Start();
        using var http = host.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/ws", UriKind.Relative), Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("websocket.md", await response.Content.ReadAsStringAsync(Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterTheIdleTimeout()
    {
        var time = new FakeTimeProvider();
        await using var host = RealtimeHost.Start(services: s => s.AddSingleton<TimeProvider>(time));
        await using var client = await host.ConnectAsync(Token);
        Assert.Empty(await client.PingAsync());

        time.Advance(IdleTimeout);
        var close = await client.ReceiveAsync();

        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close.CloseStatus);
        Assert.Equal("idle timeout", close.CloseDescription);
    }

    [Fact]
    public async Task SubscribedConnection_IsNeverIdle_EvenWhenTheClientStaysSilent()
    {
        var time = new FakeTimeProvider();
        await using var host = RealtimeHost.Start(services: s => s.AddSingleton<TimeProvider>(time));
        await using var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("quiet");
        await client.ExpectAsync("subscribed");

        time.Advance(IdleTimeout);
        time.Advance(IdleTimeout);
        time.Advance(IdleTimeout);
        await Feed.WriteAsync(host.Engine, "quiet", 1);

        Assert.Single(await client.ReceiveChangesAsync(1));
        Assert.Empty(await client.PingAsync());
        Assert.Null(host.SingleConnection().Reason);
    }

    [Fact]
    public async Task ServerStopping_ClosesConnectionsWithGoingAway()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);
        await client.SubscribeAsync("any");
        await client.ExpectAsync("subscribed");
        var connection = host.SingleConnection();
        var connections = host.Connections;

        // Program's RunAsync then stops and disposes the host, so nothing is resolved from it afterwards.
        host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        var close = await client.ReceiveAsync();
        await client.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Token);
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(30), Token);

        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, close.CloseStatus);
        Assert.Equal(CloseReason.ServerShutdown, connection.Reason);
        Assert.True(connections.IsStopping);
        Assert.Empty(connections.Open);
    }

    [Fact]
    public async Task BrowserFromAForeignOrigin_IsRefused_WhileOwnAndAllowedOriginsAndNonBrowsersConnect()
    {
        await using var host = RealtimeHost.Start(
            new Dictionary<string, string> { ["KernelMemoryPlus:WebSocket:AllowedOrigins:0"] = "https://app.example.com" },
            kestrel: true);
        string own = new UriBuilder(host.KestrelAddress!) { Scheme = "http", Path = string.Empty }.Uri.GetLeftPart(UriPartial.Authority);

        using var foreign = new ClientWebSocket();
        foreign.Options.SetRequestHeader("Origin", "https://evil.example");
        await Assert.ThrowsAsync<WebSocketException>(() => host.ConnectKestrelAsync(foreign, Token));
        Assert.Equal(HttpStatusCode.Forbidden, foreign.HttpStatusCode);

        foreach (var origin in new[] { own, "https://app.example.com", null })
        {
            using var socket = new ClientWebSocket();
            if (origin is not null)
            {
                socket.Options.SetRequestHeader("Origin", origin);
            }

            await host.ConnectKestrelAsync(socket, Token);
            await using var client = new RealtimeClient(socket);
            Assert.Empty(await client.PingAsync());
        }
    }

    [Fact]
    public async Task ConnectionsBeyondTheLimit_AreRefusedWith503_UntilOneCloses()
    {
        await using var host = RealtimeHost.Start(new Dictionary<string, string> { ["KernelMemoryPlus:WebSocket:MaxConnections"] = "2" }, kestrel: true);
        var first = await host.ConnectAsync(Token);
        await using var second = await host.ConnectAsync(Token);
        Assert.Empty(await first.PingAsync());
        Assert.Empty(await second.PingAsync());
        var firstConnection = host.Connections.Open.MinBy(c => c.Id)!;

        using var third = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => host.ConnectKestrelAsync(third, Token));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, third.HttpStatusCode);

        await first.Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, Token);
        Assert.True((await first.ReceiveAsync()).IsClose);
        await firstConnection.Completion.WaitAsync(TimeSpan.FromSeconds(30), Token);
        first.Socket.Dispose();

        await using var fourth = await host.ConnectAsync(Token);
        Assert.Empty(await fourth.PingAsync());
    }

    [Fact]
    public void InvalidSetting_StopsStartUp_NamingTheSetting()
    {
        var error = Record.Exception(() => RealtimeHost.Start(new Dictionary<string, string> { ["KernelMemoryPlus:WebSocket:MaxSubscriptions"] = "0" }));

        Assert.NotNull(error);
        Assert.Contains("KernelMemoryPlus:WebSocket:MaxSubscriptions", error.ToString(), StringComparison.Ordinal);
    }
}
