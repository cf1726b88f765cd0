using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Bench.Peer;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Bench.Load;

/// <summary>The ids of the memories stored so far; get calls pick one at random.</summary>
internal sealed class IdPool
{
    private readonly List<string> _ids = new(64 * 1024);
    private readonly Lock _lock = new();

    /// <summary>How many ids.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _ids.Count;
            }
        }
    }

    /// <summary>Adds an id.</summary>
    /// <param name="id">The id.</param>
    public void Add(string id)
    {
        lock (_lock)
        {
            _ids.Add(id);
        }
    }

    /// <summary>A random id.</summary>
    /// <param name="rng">The caller's random source.</param>
    public string Pick(Random rng)
    {
        lock (_lock)
        {
            return _ids[rng.Next(_ids.Count)];
        }
    }
}

/// <summary>
/// The requests of the mix, serialized once: MCP remember/recall arguments and REST bodies built from the synthetic
/// corpus (agent-memory sentences with tags and metadata, questions with 25 % typos).
/// </summary>
internal sealed class LoadRequests
{
    /// <summary>The namespace every operation uses.</summary>
    public const string Namespace = "load";

    private static readonly JsonSerializerOptions s_web = new(JsonSerializerDefaults.Web);

    private LoadRequests(CallToolRequestParams[] mcpRemember, CallToolRequestParams[] mcpRecall, byte[][] restCreate, byte[][] restRecall, byte[][] preload)
    {
        McpRemember = mcpRemember;
        McpRecall = mcpRecall;
        RestCreate = restCreate;
        RestRecall = restRecall;
        PreloadBatches = preload;
    }

    /// <summary>remember arguments.</summary>
    public CallToolRequestParams[] McpRemember { get; }

    /// <summary>recall arguments.</summary>
    public CallToolRequestParams[] McpRecall { get; }

    /// <summary>POST /api/v1/memories bodies.</summary>
    public byte[][] RestCreate { get; }

    /// <summary>POST /api/v1/recall bodies.</summary>
    public byte[][] RestRecall { get; }

    /// <summary>POST /api/v1/memories/batch bodies for the preload (500 creates each).</summary>
    public byte[][] PreloadBatches { get; }

    /// <summary>Builds the requests.</summary>
    /// <param name="seed">Corpus seed.</param>
    /// <param name="preload">Memories to preload.</param>
    public static LoadRequests Build(int seed, int preload)
    {
        var corpus = new SyntheticCorpus(seed);
        var items = corpus.Generate(Math.Max(4000, preload));
        var questions = corpus.Questions(items, 2000, 0.25, streamSeed: 7);
        var writes = items.Take(4000).ToArray();
        var mcpRemember = writes.Select(i => McpCalls.Request("remember", new
        {
            content = i.Content,
            @namespace = Namespace,
            tags = i.Tags,
            metadata = i.Metadata,
            importance = i.Importance,
        })).ToArray();
        var restCreate = writes.Select(i => JsonSerializer.SerializeToUtf8Bytes(Memory(i), s_web)).ToArray();
        var mcpRecall = questions.Select(q => McpCalls.Request("recall", new { query = q.Text, @namespace = Namespace, limit = 10 })).ToArray();
        var restRecall = questions.Select(q => JsonSerializer.SerializeToUtf8Bytes(new { @namespace = Namespace, text = q.Text, limit = 10 }, s_web)).ToArray();
        var batches = items.Take(preload).Chunk(500)
            .Select(chunk => JsonSerializer.SerializeToUtf8Bytes(new { items = chunk.Select(i => new { op = "Create", memory = Memory(i) }).ToList() }, s_web))
            .ToArray();
        return new LoadRequests(mcpRemember, mcpRecall, restCreate, restRecall, batches);

        static object Memory(CorpusItem i) => new
        {
            @namespace = Namespace,
            content = i.Content,
            tags = i.Tags,
            metadata = i.Metadata,
            importance = i.Importance,
        };
    }
}

/// <summary>Runs one operation of the mix and says whether it succeeded.</summary>
/// <param name="http">The shared HTTP client (REST; the MCP sessions use it too).</param>
/// <param name="pool">Ids for get, fed by the creates.</param>
/// <param name="requests">The prebuilt requests.</param>
internal sealed class LoadExecutor(HttpClient http, IdPool pool, LoadRequests requests)
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");

    /// <summary>Stores the preload through the REST batch endpoint.</summary>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task PreloadAsync(CancellationToken cancellationToken)
    {
        foreach (var body in requests.PreloadBatches)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = s_json;
            using var response = await http.PostAsync(new Uri("/api/v1/memories/batch", UriKind.Relative), content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new BenchException($"The preload batch failed with {(int)response.StatusCode}: {(text.Length > 300 ? text[..300] : text)}");
            }

            using var doc = JsonDocument.Parse(text);
            foreach (var result in doc.RootElement.GetProperty("results").EnumerateArray())
            {
                if (result.TryGetProperty("id", out var id) && id.GetString() is { } value)
                {
                    pool.Add(value);
                }
            }
        }
    }

    /// <summary>Runs <paramref name="operation"/>.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="client">The caller's MCP session.</param>
    /// <param name="rng">The caller's random source.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Null on success, else what went wrong.</returns>
    public async Task<string?> ExecuteAsync(LoadOperation operation, McpClient client, Random rng, CancellationToken cancellationToken)
    {
        try
        {
            switch (operation)
            {
                case LoadOperation.McpRemember:
                {
                    var result = await McpCalls.CallAsync(client, requests.McpRemember[rng.Next(requests.McpRemember.Length)], cancellationToken);
                    if (result.IsError == true)
                    {
                        return "remember: " + McpCalls.ErrorText(result);
                    }

                    if (McpCalls.Structured(result) is { } root && root.TryGetProperty("memory", out var memory) && memory.TryGetProperty("id", out var id) && id.GetString() is { } value)
                    {
                        pool.Add(value);
                        return null;
                    }

                    return "remember: no memory.id in the result";
                }

                case LoadOperation.McpRecall:
                {
                    var result = await McpCalls.CallAsync(client, requests.McpRecall[rng.Next(requests.McpRecall.Length)], cancellationToken);
                    return result.IsError == true ? "recall: " + McpCalls.ErrorText(result) : null;
                }

                case LoadOperation.McpGet:
                {
                    var wanted = pool.Pick(rng);
                    var result = await McpCalls.CallAsync(client, GetRequest(wanted), cancellationToken);
                    if (result.IsError == true)
                    {
                        return "get: " + McpCalls.ErrorText(result);
                    }

                    return McpCalls.Structured(result) is { } root && root.TryGetProperty("memory", out var memory) && memory.TryGetProperty("id", out var id) && id.GetString() == wanted
                        ? null
                        : "get: the result is not the memory asked for";
                }

                case LoadOperation.RestCreate:
                {
                    using var content = new ByteArrayContent(requests.RestCreate[rng.Next(requests.RestCreate.Length)]);
                    content.Headers.ContentType = s_json;
                    using var response = await http.PostAsync(new Uri("/api/v1/memories", UriKind.Relative), content, cancellationToken);
                    var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        return $"POST /memories: {(int)response.StatusCode}";
                    }

                    using var doc = JsonDocument.Parse(body);
                    if (doc.RootElement.TryGetProperty("id", out var id) && id.GetString() is { } value)
                    {
                        pool.Add(value);
                        return null;
                    }

                    return "POST /memories: no id in the answer";
                }

                case LoadOperation.RestRecall:
                {
                    using var content = new ByteArrayContent(requests.RestRecall[rng.Next(requests.RestRecall.Length)]);
                    content.Headers.ContentType = s_json;
                    using var response = await http.PostAsync(new Uri("/api/v1/recall", UriKind.Relative), content, cancellationToken);
                    _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    return response.StatusCode == HttpStatusCode.OK ? null : $"POST /recall: {(int)response.StatusCode}";
                }

                default:
                {
                    var wanted = pool.Pick(rng);
                    using var response = await http.GetAsync(new Uri("/api/v1/memories/" + Uri.EscapeDataString(wanted), UriKind.Relative), cancellationToken);
                    _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    return response.StatusCode == HttpStatusCode.OK ? null : $"GET /memories/{{id}}: {(int)response.StatusCode}";
                }
            }
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or TaskCanceledException or McpException or IOException or JsonException or InvalidOperationException)
        {
            return $"{Name(operation)}: {ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>An MCP <c>get</c> request for an id.</summary>
    /// <param name="id">The memory id.</param>
    public static CallToolRequestParams GetRequest(string id) => new()
    {
        Name = "get",
        Arguments = new Dictionary<string, JsonElement>(StringComparer.Ordinal) { ["id"] = JsonSerializer.SerializeToElement(id) },
    };

    /// <summary>The operation's name in reports.</summary>
    /// <param name="operation">The operation.</param>
    public static string Name(LoadOperation operation) => operation switch
    {
        LoadOperation.McpRemember => "MCP remember",
        LoadOperation.McpRecall => "MCP recall",
        LoadOperation.McpGet => "MCP get",
        LoadOperation.RestCreate => "REST POST /api/v1/memories",
        LoadOperation.RestRecall => "REST POST /api/v1/recall",
        _ => "REST GET /api/v1/memories/{id}",
    };
}
