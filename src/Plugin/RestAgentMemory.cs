using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KernelMemoryPlus.Plugin.Internal;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Plugin;

/// <summary>
/// An <see cref="IAgentMemory"/> over a KernelMemoryPlus server's REST API (<c>/api/v1</c>, see docs/api.md).
/// Several processes using one server share its namespaces.
/// </summary>
/// <remarks>
/// <para>
/// Memories, recall, links, associations, the facts about a subject and the latest events go through REST. The REST
/// API has no endpoints yet for the engine's fact supersession, procedure versions, procedure ranking by outcome and
/// outcome reports, so <see cref="AddFactAsync"/>, <see cref="RecordProcedureAsync"/>,
/// <see cref="FindProceduresAsync"/> and <see cref="ReportOutcomeAsync"/> call the same server's MCP tools (at
/// <see cref="AgentMemoryOptions.McpPath"/>) rather than re-implement engine logic in the client.
/// </para>
/// <para>
/// Problem answers become the engine's exceptions (400 → <see cref="MemoryValidationException"/>, 404 →
/// <see cref="MemoryNotFoundException"/>, 403 → <see cref="MemoryAccessDeniedException"/> with the server's reason,
/// 409/412 → <see cref="VersionConflictException"/>); connection failures, timeouts, 5xx and 429 become
/// <see cref="AgentMemoryUnavailableException"/>. Thread safe.
/// </para>
/// </remarks>
public sealed class RestAgentMemory : IAgentMemory, IAsyncDisposable, IDisposable
{
    private const int FactPageSize = 500;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _api;
    private readonly McpAgentMemory _mcp;

    /// <summary>Initializes a new instance of the <see cref="RestAgentMemory"/> class with its own <see cref="HttpClient"/>.</summary>
    /// <param name="options">The server's address, API key and timeout.</param>
    public RestAgentMemory(AgentMemoryOptions options)
        : this(new HttpClient(), options, ownsHttpClient: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="RestAgentMemory"/> class.</summary>
    /// <param name="httpClient">The client to send requests with (its base address is not used: <see cref="AgentMemoryOptions.BaseUrl"/> is).</param>
    /// <param name="options">The server's address, API key and timeout.</param>
    /// <param name="ownsHttpClient">Whether disposing this disposes <paramref name="httpClient"/>.</param>
    public RestAgentMemory(HttpClient httpClient, AgentMemoryOptions options, bool ownsHttpClient = false)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _http = httpClient;
        _ownsHttp = ownsHttpClient;
        if (ownsHttpClient)
        {
            _http.Timeout = options.Timeout;
        }

        _api = new Uri(options.BaseUrl, "api/v1/");
        if (!options.BaseUrl.AbsolutePath.EndsWith('/'))
        {
            _api = new Uri(new Uri(options.BaseUrl.AbsoluteUri + "/"), "api/v1/");
        }

        ApiKeyHeader = options.ApiKey is null ? null : (options.ApiKeyHeader, options.ApiKey);
        _mcp = new McpAgentMemory(httpClient, options);
    }

    private (string Name, string Value)? ApiKeyHeader { get; }

    /// <inheritdoc />
    public async Task<MemoryRecord> RememberAsync(NewMemory memory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        return (await SendAsync<MemoryRecord>(HttpMethod.Post, "memories", memory, "store the memory", cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecallResult>> RecallAsync(RecallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return (await SendAsync<RecallAnswer>(HttpMethod.Post, "recall", query, "recall", cancellationToken))!.Results;
    }

    /// <inheritdoc />
    public async Task<MemoryRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        try
        {
            return await SendAsync<MemoryRecord>(HttpMethod.Get, "memories/" + Uri.EscapeDataString(id), null, "read the memory", cancellationToken);
        }
        catch (MemoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async Task<MemoryRecord> UpdateAsync(string id, MemoryUpdate update, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentNullException.ThrowIfNull(update);
        return (await SendAsync<MemoryRecord>(HttpMethod.Patch, "memories/" + Uri.EscapeDataString(id), update, "change the memory", cancellationToken, expectedVersion))!;
    }

    /// <inheritdoc />
    public async Task<bool> ForgetAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        try
        {
            await SendAsync<object>(HttpMethod.Delete, "memories/" + Uri.EscapeDataString(id), null, "delete the memory", cancellationToken, expectedVersion);
            return true;
        }
        catch (MemoryNotFoundException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public async Task<MemoryLink> LinkAsync(NewLink link, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(link);
        return (await SendAsync<MemoryLink>(HttpMethod.Post, "links", link, "link the memories", cancellationToken))!;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, int limit = 25, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var path = string.Create(CultureInfo.InvariantCulture, $"memories/{Uri.EscapeDataString(id)}/associations?depth={depth}&limit={limit}");
        return (await SendAsync<AssociationsAnswer>(HttpMethod.Get, path, null, "explore the associations", cancellationToken))!.Associations;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryRecord>> RecentEventsAsync(string ns, int limit = 10, CancellationToken cancellationToken = default)
    {
        var path = string.Create(CultureInfo.InvariantCulture, $"memories?namespace={Uri.EscapeDataString(ns ?? string.Empty)}&kind=Episodic&limit={limit}");
        return (await SendAsync<MemoryPage>(HttpMethod.Get, path, null, "list the events", cancellationToken))!.Items;
    }

    /// <inheritdoc />
    public Task<FactResult> AddFactAsync(NewFact fact, CancellationToken cancellationToken = default) => _mcp.AddFactAsync(fact, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Pages through the namespace's current semantic memories and keeps those about the subject.</remarks>
    public async Task<IReadOnlyList<MemoryRecord>> GetFactsAsync(string ns, string subject, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            throw new MemoryValidationException("subject", "The subject must not be empty.");
        }

        var key = TextAnalyzer.Normalize(subject);
        var facts = new List<MemoryRecord>();
        string? cursor = null;
        do
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"memories?namespace={Uri.EscapeDataString(ns ?? string.Empty)}&kind=Semantic&limit={FactPageSize}")
                + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = (await SendAsync<MemoryPage>(HttpMethod.Get, path, null, "list the facts", cancellationToken))!;
            facts.AddRange(page.Items.Where(r => r.Subject is not null && !SemanticMemory.IsEntity(r) && TextAnalyzer.Normalize(r.Subject) == key));
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return facts.OrderBy(f => f.Predicate, StringComparer.Ordinal).ThenByDescending(f => f.ValidFrom ?? f.CreatedAt).ToList();
    }

    /// <inheritdoc />
    public Task<FactResult> RecordProcedureAsync(string ns, string name, string description, IReadOnlyList<string> steps, CancellationToken cancellationToken = default) =>
        _mcp.RecordProcedureAsync(ns, name, description, steps, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<RecallResult>> FindProceduresAsync(string ns, string task, int limit = 5, CancellationToken cancellationToken = default) =>
        _mcp.FindProceduresAsync(ns, task, limit, cancellationToken);

    /// <inheritdoc />
    public Task<MemoryRecord> ReportOutcomeAsync(string id, bool success, CancellationToken cancellationToken = default) =>
        _mcp.ReportOutcomeAsync(id, success, cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _mcp.DisposeAsync();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, string what, CancellationToken cancellationToken, long? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(_api, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: RemoteJson.Options);
        }

        if (ifMatch is { } version)
        {
            request.Headers.TryAddWithoutValidation("If-Match", string.Create(CultureInfo.InvariantCulture, $"\"{version}\""));
        }

        if (ApiKeyHeader is { } header)
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new AgentMemoryUnavailableException($"The memory server at {_api.GetLeftPart(UriPartial.Authority)} could not be reached to {what}: {ex.Message}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AgentMemoryUnavailableException($"The memory server at {_api.GetLeftPart(UriPartial.Authority)} did not answer in time to {what}.", ex);
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Forbidden)
            {
                throw await AccessDeniedAsync(response, what, cancellationToken);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw await ProblemMapper.ToExceptionAsync(response, what, cancellationToken);
            }

            if (response.StatusCode == HttpStatusCode.NoContent || typeof(T) == typeof(object))
            {
                return default;
            }

            return await response.Content.ReadFromJsonAsync<T>(RemoteJson.Options, cancellationToken);
        }
    }

    // A 403 is the engine's refusal (the caller may not read or change that namespace or memory), or the server's
    // (an anonymous client that is not on loopback): the same exception the engine throws in process, with the
    // problem's detail (the engine's message, which names principal and namespace, never contents).
    private static async Task<MemoryAccessDeniedException> AccessDeniedAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        string? reason = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!string.IsNullOrWhiteSpace(body))
            {
                using var problem = JsonDocument.Parse(body);
                if (problem.RootElement.ValueKind == JsonValueKind.Object)
                {
                    reason = Text(problem.RootElement, "detail") ?? Text(problem.RootElement, "title");
                }
            }
        }
        catch (JsonException)
        {
            // Not a problem document (a proxy's page, for example): the status alone is described below.
        }

        return new MemoryAccessDeniedException(reason ?? $"The memory server refused to {what} (403 Forbidden).");

        static string? Text(JsonElement element, string name) =>
            element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text ? text : null;
    }
}
