using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Realtime;

/// <summary>A test client for /ws: sends JSON requests, reads frames, with a guard against hanging tests.</summary>
internal sealed class RealtimeClient(WebSocket socket) : IAsyncDisposable
{
    /// <summary>Fails a test instead of hanging it when an expected frame never comes.</summary>
    private static readonly TimeSpan ReceiveGuard = TimeSpan.FromSeconds(60);

    public WebSocket Socket { get; } = socket;

    public Task SendTextAsync(string text) =>
        Socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, endOfMessage: true, TestContext.Current.CancellationToken);

    public Task SendAsync(object request) => SendTextAsync(JsonSerializer.Serialize(request));

    public Task SubscribeAsync(string? ns, long? since = null, string? id = null) =>
        since is null
            ? SendAsync(new { type = "subscribe", id, @namespace = ns })
            : SendAsync(new { type = "subscribe", id, @namespace = ns, since });

    /// <summary>Reads the next frame: a JSON object, or the server's close.</summary>
    public async Task<Frame> ReceiveAsync()
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        guard.CancelAfter(ReceiveGuard);
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await Socket.ReceiveAsync(buffer, guard.Token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new Frame(default, result.CloseStatus, result.CloseStatusDescription);
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                Assert.Equal(WebSocketMessageType.Text, result.MessageType);
                using var json = JsonDocument.Parse(message.ToArray());
                return new Frame(json.RootElement.Clone(), null, null);
            }
        }
    }

    /// <summary>Reads the next frame and checks its type.</summary>
    public async Task<JsonElement> ExpectAsync(string type)
    {
        var frame = await ReceiveAsync();
        Assert.False(frame.IsClose, $"Expected a '{type}' frame but the server closed: {frame.CloseStatus} {frame.CloseDescription}");
        Assert.True(frame.Type == type, $"Expected a '{type}' frame, got {frame.Json}");
        return frame.Json;
    }

    /// <summary>Reads exactly <paramref name="count"/> change frames.</summary>
    public async Task<List<ReceivedChange>> ReceiveChangesAsync(int count)
    {
        var changes = new List<ReceivedChange>(count);
        while (changes.Count < count)
        {
            changes.Add(ReceivedChange.From(await ExpectAsync("change")));
        }

        return changes;
    }

    /// <summary>Sends a ping and reads up to its pong, collecting the change frames on the way.</summary>
    public async Task<List<ReceivedChange>> PingAsync(string id = "sync")
    {
        await SendAsync(new { type = "ping", id });
        var changes = new List<ReceivedChange>();
        while (true)
        {
            var frame = await ReceiveAsync();
            Assert.False(frame.IsClose, $"The server closed: {frame.CloseStatus} {frame.CloseDescription}");
            if (frame.Type == "pong")
            {
                Assert.Equal(id, frame.Json.GetProperty("id").GetString());
                return changes;
            }

            Assert.True(frame.Type == "change", $"Expected changes then a pong, got {frame.Json}");
            changes.Add(ReceivedChange.From(frame.Json));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Socket.State == WebSocketState.Open)
        {
            try
            {
                await Socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The server side is already gone.
            }
        }

        Socket.Dispose();
    }
}

/// <summary>A frame from the server.</summary>
internal sealed record Frame(JsonElement Json, WebSocketCloseStatus? CloseStatus, string? CloseDescription)
{
    public bool IsClose => Json.ValueKind == JsonValueKind.Undefined;

    public string? Type => IsClose ? null : Json.GetProperty("type").GetString();
}

/// <summary>A change frame, comparable with the engine's <see cref="ChangeEvent"/>.</summary>
internal sealed record ReceivedChange(string Namespace, long Sequence, string Operation, string EntityId, long Version, DateTimeOffset At, string? Author)
{
    public static ReceivedChange From(JsonElement json) => new(
        json.GetProperty("namespace").GetString()!,
        json.GetProperty("sequence").GetInt64(),
        json.GetProperty("operation").GetString()!,
        json.GetProperty("entityId").GetString()!,
        json.GetProperty("version").GetInt64(),
        json.GetProperty("at").GetDateTimeOffset(),
        json.GetProperty("author").GetString());

    public static ReceivedChange From(ChangeEvent change) => new(
        change.Namespace,
        change.Sequence,
        KernelMemoryPlus.Server.Realtime.ServerFrames.OperationName(change.Operation),
        change.EntityId,
        change.Version,
        change.At,
        change.Author);
}
