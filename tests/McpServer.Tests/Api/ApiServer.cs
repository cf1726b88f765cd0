using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KernelMemoryPlus.Server.Tests.Api;

/// <summary>The server in process on its own temporary data folder, shared by the tests of one class.</summary>
public class ApiServer : IAsyncLifetime
{
    private readonly TempDirectory _data = new();
    private WebApplicationFactory<Program>? _factory;
    private HttpClient? _client;

    public HttpClient Client => _client ?? throw new InvalidOperationException("The server is not started.");

    /// <summary>Settings beyond the data folder, as configuration keys.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public async ValueTask InitializeAsync()
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("KernelMemoryPlus:DataDirectory", _data.Path);
            foreach (var (key, value) in Settings)
            {
                b.UseSetting(key, value);
            }
        });
        // No redirect handler: it would buffer request bodies, and the tests send some chunked on purpose.
        _client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        await SeedAsync(_client);
    }

    /// <summary>Stores what the tests of the class start from.</summary>
    protected virtual ValueTask SeedAsync(HttpClient client) => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        _data.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>Requests and assertions shared by the REST tests.</summary>
internal static class Api
{
    public static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A namespace no other test uses.</summary>
    public static string NewNamespace() => "test-" + Guid.NewGuid().ToString("N")[..12];

    public static Task<HttpResponseMessage> SendJsonAsync(this HttpClient client, HttpMethod method, string path, string json, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        configure?.Invoke(request);
        return client.SendAsync(request, Token);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, object body) =>
        client.SendJsonAsync(HttpMethod.Post, path, JsonSerializer.Serialize(body, JsonSerializerOptions.Web));

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative), Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>Stores a memory and answers its JSON.</summary>
    public static async Task<JsonElement> CreateAsync(this HttpClient client, string ns, string content, string kind = "Episodic", params string[] tags)
    {
        using var response = await client.PostJsonAsync("/api/v1/memories", new { @namespace = ns, content, kind, tags });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadJsonAsync();
    }

    /// <summary>Stores many memories in one batch and answers their ids in input order.</summary>
    public static async Task<List<string>> CreateManyAsync(this HttpClient client, string ns, int count, string prefix = "memory")
    {
        var items = Enumerable.Range(0, count).Select(i => new { op = "Create", memory = new { @namespace = ns, content = $"{prefix} number {i}" } }).ToArray();
        using var response = await client.PostJsonAsync("/api/v1/memories/batch", new { items });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.ReadJsonAsync();
        return json.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
    }

    /// <summary>The last change-feed sequence number: unchanged when nothing was written.</summary>
    public static async Task<long> LastSequenceAsync(this HttpClient client) =>
        (await client.GetJsonAsync("/api/v1/admin/stats")).GetProperty("lastSequence").GetInt64();

    /// <summary>Asserts a problem details answer with the status, and answers its body.</summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync(Token);
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        return problem;
    }

    /// <summary>Asserts a 400 problem whose errors name the field.</summary>
    public static async Task<JsonElement> AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors does not name '{field}': {errors}");
        Assert.False(string.IsNullOrWhiteSpace(messages[0].GetString()));
        return problem;
    }

    public static HttpRequestMessage WithIfMatch(this HttpRequestMessage request, string etag)
    {
        request.Headers.TryAddWithoutValidation("If-Match", etag);
        return request;
    }

    public static string ETagOf(HttpResponseMessage response) => response.Headers.ETag?.ToString() ?? throw new InvalidOperationException("No ETag.");

    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();

    public static MediaTypeWithQualityHeaderValue Ndjson { get; } = new("application/x-ndjson");
}
