using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KernelMemoryPlus.Tests.Embeddings;

/// <summary>
/// A minimal stand-in for Ollama's <c>POST /api/embed</c> on a free loopback port: it answers one deterministic
/// vector per input (derived from the text, so equal texts get equal vectors) and records every request.
/// </summary>
internal sealed class FakeOllamaServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public FakeOllamaServer(int dimensions = 8)
    {
        Dimensions = dimensions;
        Port = FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The vector length answered; change it to simulate a different model behind the same name.</summary>
    public int Dimensions { get; set; }

    /// <summary>The HTTP status answered; anything but 200 sends an Ollama-style error body.</summary>
    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    /// <summary>How long to wait before answering.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.Zero;

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>A port nothing listens on (bound, read and released), for connection-refused tests.</summary>
    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>The vector the fake answers for <paramref name="text"/>.</summary>
    public static float[] VectorFor(string text, int dimensions)
    {
        var vector = new float[dimensions];
        for (int i = 0; i < dimensions; i++)
        {
            vector[i] = ((text.Length * 31) + (i * 7) + (text.Length > 0 ? text[i % text.Length] : 0)) % 100 / 100f;
        }

        return vector;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (ObjectDisposedException)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            string body;
            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                body = await reader.ReadToEndAsync();
            }

            var json = JsonNode.Parse(body)!;
            string model = json["model"]?.GetValue<string>() ?? "";
            var inputs = json["input"]?.AsArray().Select(n => n!.GetValue<string>()).ToList() ?? [];
            Requests.Enqueue(new RecordedRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, model, inputs));

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            context.Response.StatusCode = (int)Status;
            context.Response.ContentType = "application/json";
            string answer = Status == HttpStatusCode.OK
                ? JsonSerializer.Serialize(new
                {
                    model,
                    embeddings = inputs.Select(i => VectorFor(i, Dimensions)).ToArray(),
                    total_duration = 1000,
                    load_duration = 10,
                    prompt_eval_count = inputs.Count,
                })
                : JsonSerializer.Serialize(new { error = "model failed on input: " + string.Join(" ", inputs) });
            var bytes = Encoding.UTF8.GetBytes(answer);
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
        catch (Exception)
        {
            // The client gave up (timeout tests) or the server is stopping; nothing to answer.
            context.Response.Abort();
        }
    }

    internal sealed record RecordedRequest(string Method, string Path, string Model, IReadOnlyList<string> Inputs);
}
