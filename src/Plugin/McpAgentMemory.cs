using System.Text.Json;
using KernelMemoryPlus.Plugin.Internal;
using KernelMemoryPlus.Retrieval;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Plugin;

/// <summary>
/// An <see cref="IAgentMemory"/> over a KernelMemoryPlus server's MCP tools (Streamable HTTP at <c>/mcp</c>, see
/// docs/mcp.md). It connects on first use and reconnects after the server was unreachable.
/// </summary>
/// <remarks>
/// <para>
/// The tools' structured results are read back into engine records. Score explanations are not carried over MCP, and
/// the MCP tools take no author, so <see cref="RecallQuery.Filter"/>'s <see cref="MemoryFilter.Author"/> is applied to
/// the results here. <see cref="GetFactsAsync"/> recalls the namespace's facts about the subject (up to 200) and keeps
/// those whose subject matches, so a namespace with more facts than that about one subject is better read with
/// <see cref="RestAgentMemory"/>.
/// </para>
/// <para>
/// Tool errors become <see cref="AgentMemoryException"/> with the server's message (written for a model), unknown ids
/// <see cref="MemoryNotFoundException"/>, refusals ("Access denied: ...") <see cref="MemoryAccessDeniedException"/>
/// with the server's reason, and connection failures <see cref="AgentMemoryUnavailableException"/>.
/// Thread safe.
/// </para>
/// </remarks>
public sealed class McpAgentMemory : IAgentMemory, IAsyncDisposable
{
    private const int FactRecallLimit = 200;
    private const string AccessDeniedPrefix = "Access denied:";
    private readonly HttpClient? _http;
    private readonly bool _ownsHttp;
    private readonly AgentMemoryOptions _options;
    private readonly Uri _endpoint;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly RequestOptions _requestOptions = new() { JsonSerializerOptions = RemoteJson.Options };
    private McpClient? _client;

    /// <summary>Initializes a new instance of the <see cref="McpAgentMemory"/> class with its own <see cref="HttpClient"/>.</summary>
    /// <param name="options">The server's address, API key and timeout.</param>
    public McpAgentMemory(AgentMemoryOptions options)
        : this(new HttpClient(), options, ownsHttpClient: true)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="McpAgentMemory"/> class.</summary>
    /// <param name="httpClient">The client to send requests with.</param>
    /// <param name="options">The server's address, API key and timeout.</param>
    /// <param name="ownsHttpClient">Whether disposing this disposes <paramref name="httpClient"/>.</param>
    public McpAgentMemory(HttpClient httpClient, AgentMemoryOptions options, bool ownsHttpClient = false)
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

        _options = options;
        _endpoint = new Uri(options.BaseUrl, options.McpPath);
    }

    /// <inheritdoc />
    public async Task<MemoryRecord> RememberAsync(NewMemory memory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(memory);
        var args = new Dictionary<string, object?>
        {
            ["content"] = memory.Content,
            ["kind"] = memory.Kind.ToString().ToLowerInvariant(),
            ["namespace"] = memory.Namespace,
            ["tags"] = memory.Tags,
            ["metadata"] = memory.Metadata,
            ["importance"] = memory.Importance,
            ["sessionId"] = memory.SessionId,
            ["occurredAt"] = memory.OccurredAt,
            ["subject"] = memory.Subject,
            ["predicate"] = memory.Predicate,
            ["object"] = memory.Object,
            ["pinned"] = memory.Pinned ? true : null,
            ["private"] = memory.Private ? true : null,
        };
        return (await CallAsync<McpRememberResult>("remember", args, cancellationToken)).Memory.ToRecord();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecallResult>> RecallAsync(RecallQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filter = query.Filter;
        var args = new Dictionary<string, object?>
        {
            ["query"] = query.Text,
            ["namespace"] = query.Namespace,
            ["kinds"] = filter?.Kinds?.Select(k => k.ToString().ToLowerInvariant()).ToList(),
            ["tags"] = filter?.Tags,
            ["from"] = filter?.From,
            ["to"] = filter?.To,
            ["sessionId"] = filter?.SessionId,
            ["limit"] = query.Limit,
            ["minScore"] = query.MinScore,
            ["includeHistory"] = filter?.IncludeExpired == true ? true : null,
        };
        var result = await CallAsync<McpRecallResult>("recall", args, cancellationToken);
        return result.Results
            .Select(r => new RecallResult(r.Memory.ToRecord(), r.Score, null))
            .Where(r => filter?.Author is null || string.Equals(r.Memory.Author, filter.Author, StringComparison.Ordinal))
            .ToList();
    }

    /// <inheritdoc />
    public async Task<MemoryRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        try
        {
            return (await CallAsync<McpGetResult>("get", new() { ["id"] = id, ["includeLinks"] = false }, cancellationToken)).Memory.ToRecord();
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
        var args = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["content"] = update.Content,
            ["tags"] = update.Tags,
            ["metadata"] = update.Metadata,
            ["importance"] = update.Importance,
            ["occurredAt"] = update.OccurredAt,
            ["validTo"] = update.ValidTo,
            ["pinned"] = update.Pinned,
            ["steps"] = update.Steps,
            ["expectedVersion"] = expectedVersion,
        };
        return (await CallAsync<McpMemoryItem>("update", args, cancellationToken)).ToRecord();
    }

    /// <inheritdoc />
    public async Task<bool> ForgetAsync(string id, long? expectedVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        try
        {
            await CallAsync<JsonElement>("forget", new() { ["id"] = id, ["expectedVersion"] = expectedVersion }, cancellationToken);
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
        var args = new Dictionary<string, object?>
        {
            ["fromId"] = link.FromId,
            ["toId"] = link.ToId,
            ["type"] = link.Type,
            ["weight"] = link.Weight,
            ["bidirectional"] = link.Bidirectional,
        };
        var item = await CallAsync<McpLinkItem>("link", args, cancellationToken);
        return new MemoryLink
        {
            Id = item.Id,
            Namespace = string.Empty,
            FromId = item.FromId,
            ToId = item.ToId,
            ToNamespace = string.Empty,
            Type = item.Type,
            Weight = item.Weight,
            EffectiveWeight = item.EffectiveWeight,
            Bidirectional = item.Bidirectional,
            CreatedAt = item.CreatedAt,
            LastUsedAt = item.CreatedAt,
        };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<Association>> ExploreAsync(string id, int depth = 2, int limit = 25, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        var result = await CallAsync<McpExploreResult>("explore", new() { ["id"] = id, ["depth"] = depth, ["limit"] = limit }, cancellationToken);
        return result.Associations.Select(a => new Association(a.Memory.ToRecord(), a.Activation, a.Hops, a.LinkType, a.ViaId)).ToList();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryRecord>> RecentEventsAsync(string ns, int limit = 10, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync<McpTimelineResult>("timeline", new() { ["namespace"] = ns, ["limit"] = limit, ["newestFirst"] = true }, cancellationToken);
        return result.Events.Select(e => e.ToRecord()).ToList();
    }

    /// <inheritdoc />
    public async Task<FactResult> AddFactAsync(NewFact fact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fact);
        var args = new Dictionary<string, object?>
        {
            ["content"] = fact.Content ?? $"{fact.Subject} {fact.Predicate} {fact.Object}",
            ["kind"] = "semantic",
            ["namespace"] = fact.Namespace,
            ["subject"] = fact.Subject,
            ["predicate"] = fact.Predicate,
            ["object"] = fact.Object,
            ["multiValued"] = fact.MultiValued ? true : null,
            ["tags"] = fact.Tags,
            ["metadata"] = fact.Metadata,
            ["importance"] = fact.Importance,
            ["private"] = fact.Private ? true : null,
        };
        var result = await CallAsync<McpRememberResult>("remember", args, cancellationToken);
        return new FactResult(result.Memory.ToRecord(), await GetAllAsync(result.Superseded, cancellationToken));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<MemoryRecord>> GetFactsAsync(string ns, string subject, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(subject))
        {
            throw new MemoryValidationException("subject", "The subject must not be empty.");
        }

        var key = TextAnalyzer.Normalize(subject);
        var found = await RecallAsync(new RecallQuery { Namespace = ns, Text = subject, Limit = FactRecallLimit, Filter = new MemoryFilter { Kinds = [MemoryKind.Semantic] } }, cancellationToken);
        return found.Select(r => r.Memory)
            .Where(r => r.Subject is not null && !SemanticMemory.IsEntity(r) && TextAnalyzer.Normalize(r.Subject) == key)
            .OrderBy(f => f.Predicate, StringComparer.Ordinal).ThenByDescending(f => f.ValidFrom ?? f.CreatedAt)
            .ToList();
    }

    /// <inheritdoc />
    public async Task<FactResult> RecordProcedureAsync(string ns, string name, string description, IReadOnlyList<string> steps, CancellationToken cancellationToken = default)
    {
        var args = new Dictionary<string, object?> { ["name"] = name, ["description"] = description, ["steps"] = steps, ["namespace"] = ns };
        var result = await CallAsync<McpProcedureResult>("record_procedure", args, cancellationToken);
        return new FactResult(result.Procedure.ToRecord(), await GetAllAsync(result.ReplacedId is null ? null : [result.ReplacedId], cancellationToken));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<RecallResult>> FindProceduresAsync(string ns, string task, int limit = 5, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync<McpFindProceduresResult>("find_procedures", new() { ["task"] = task, ["limit"] = limit, ["namespace"] = ns }, cancellationToken);
        return result.Results.Select(r => new RecallResult(r.Procedure.ToRecord(), r.Score, null)).ToList();
    }

    /// <inheritdoc />
    public async Task<MemoryRecord> ReportOutcomeAsync(string id, bool success, CancellationToken cancellationToken = default) =>
        (await CallAsync<McpOutcomeResult>("report_outcome", new() { ["id"] = id, ["success"] = success }, cancellationToken)).Procedure.ToRecord();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        var client = Interlocked.Exchange(ref _client, null);
        if (client is not null)
        {
            await client.DisposeAsync();
        }

        if (_ownsHttp)
        {
            _http?.Dispose();
        }

        _connectGate.Dispose();
    }

    private async Task<IReadOnlyList<MemoryRecord>> GetAllAsync(IReadOnlyList<string>? ids, CancellationToken cancellationToken)
    {
        var records = new List<MemoryRecord>();
        foreach (var id in ids ?? [])
        {
            if (await GetAsync(id, cancellationToken) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    private async Task<T> CallAsync<T>(string tool, Dictionary<string, object?> arguments, CancellationToken cancellationToken)
    {
        // Absent optional arguments are left out rather than sent as null, so the tools apply their defaults.
        var args = arguments.Where(a => a.Value is not null).ToDictionary(a => a.Key, a => a.Value);
        var client = await ConnectAsync(cancellationToken);
        CallToolResult result;
        try
        {
            result = await client.CallToolAsync(tool, args, options: _requestOptions, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (IsUnreachable(ex, cancellationToken))
        {
            await ResetAsync(client);
            throw new AgentMemoryUnavailableException($"The memory server at {_endpoint} could not be reached to call '{tool}': {ex.Message}", ex);
        }
        catch (McpException ex)
        {
            throw new AgentMemoryException($"The memory server refused '{tool}': {ex.Message}", ex);
        }

        if (result.IsError == true)
        {
            var message = string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
            if (arguments.TryGetValue("id", out var id) && id is string memoryId && message == new MemoryNotFoundException(memoryId).Message)
            {
                throw new MemoryNotFoundException(memoryId);
            }

            if (message.StartsWith(AccessDeniedPrefix, StringComparison.Ordinal))
            {
                // The engine refused the caller (the server says so with this prefix): the in-process exception, with
                // the engine's reason (principal and namespace, never contents).
                var reason = message[AccessDeniedPrefix.Length..].Trim();
                throw new MemoryAccessDeniedException(reason.Length == 0 ? $"The memory server refused '{tool}'." : reason);
            }

            throw new AgentMemoryException(message.Length == 0 ? $"The tool '{tool}' failed." : message);
        }

        if (result.StructuredContent is not { } structured)
        {
            throw new AgentMemoryException($"The memory server's '{tool}' tool answered without structured content.");
        }

        return structured.Deserialize<T>(RemoteJson.Options) ?? throw new AgentMemoryException($"The memory server's '{tool}' tool answered an empty result.");
    }

    private async Task<McpClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { } existing)
        {
            return existing;
        }

        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (_client is { } raced)
            {
                return raced;
            }

            var transportOptions = new HttpClientTransportOptions
            {
                Endpoint = _endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                Name = "KernelMemoryPlus.Plugin",
                ConnectionTimeout = _options.Timeout,
            };
            if (_options.ApiKey is not null)
            {
                transportOptions.AdditionalHeaders = new Dictionary<string, string> { [_options.ApiKeyHeader] = _options.ApiKey };
            }

            var transport = new HttpClientTransport(transportOptions, _http!, loggerFactory: null, ownsHttpClient: false);
            try
            {
                _client = await McpClient.CreateAsync(
                    transport,
                    new McpClientOptions { ClientInfo = new Implementation { Name = "KernelMemoryPlus.Plugin", Version = "1.0" } },
                    loggerFactory: null,
                    cancellationToken);
            }
            catch (Exception ex) when (IsUnreachable(ex, cancellationToken) || ex is McpException)
            {
                throw new AgentMemoryUnavailableException($"Could not connect to the memory server's MCP endpoint {_endpoint}: {ex.Message}", ex);
            }

            return _client;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async Task ResetAsync(McpClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client)
        {
            try
            {
                await client.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
            {
                // The connection is already gone; the next call connects again.
            }
        }
    }

    private static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

}
