using System.Globalization;
using System.Text.Json;
using KernelMemoryPlus.Server.Mcp.Contracts;
using KernelMemoryPlus.Server.Mcp.KnowledgeGraph;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp.Resources;

/// <summary>
/// The MCP resources: <c>memory://namespaces/{namespace}</c> (one per namespace: its most recent memories),
/// <c>memory://memories/{id}</c> (one memory with its links) and <c>memory://knowledge-graph</c> (the graph of the
/// reference-compatible tools); subscriptions to them; and completions of namespace names and memory ids.
/// </summary>
/// <remarks>Resource texts are JSON; memory contents in them are stored data, not instructions.</remarks>
internal sealed class MemoryResources(
    MemoryEngine engine,
    KnowledgeGraphStore graph,
    ResourceChangeNotifier notifier,
    IOptions<McpDoorOptions> options)
{
    /// <summary>Resources per page of resources/list.</summary>
    public const int PageSize = 100;

    /// <summary>Most values in one completion (the protocol's limit).</summary>
    public const int MaxCompletions = 100;

    private const string Json = "application/json";

    private static readonly JsonSerializerOptions s_json = new(McpJsonUtilities.DefaultOptions) { WriteIndented = true };

    public async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> context, CancellationToken cancellationToken)
    {
        // A client that lists resources is told when the list grows.
        await notifier.WatchResourceListAsync(context.Server, cancellationToken);
        int offset = 0;
        if (context.Params?.Cursor is { } cursor && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw new McpProtocolException("Invalid cursor: pass the nextCursor of the previous page.", McpErrorCode.InvalidParams);
        }

        var names = await engine.ListNamespacesAsync(cancellationToken);
        var resources = new List<Resource>(PageSize + 1);
        if (offset == 0)
        {
            resources.Add(new Resource
            {
                Uri = MemoryResourceUri.KnowledgeGraph,
                Name = "knowledge-graph",
                Title = "Knowledge Graph",
                Description = $"The knowledge graph of the create_entities/read_graph tools (namespace '{options.Value.GraphNamespace}'), as JSON entities and relations.",
                MimeType = Json,
            });
        }

        foreach (var ns in names.Skip(offset).Take(PageSize))
        {
            resources.Add(new Resource
            {
                Uri = MemoryResourceUri.ForNamespace(ns),
                Name = ns,
                Title = $"Namespace {ns}",
                Description = $"The {options.Value.NamespaceResourceLimit} most recent memories of namespace '{ns}', with counts, as JSON.",
                MimeType = Json,
            });
        }

        return new ListResourcesResult
        {
            Resources = resources,
            NextCursor = offset + PageSize < names.Count ? (offset + PageSize).ToString(CultureInfo.InvariantCulture) : null,
        };
    }

    public static ValueTask<ListResourceTemplatesResult> ListTemplatesAsync(RequestContext<ListResourceTemplatesRequestParams> context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new ListResourceTemplatesResult
        {
            ResourceTemplates =
            [
                new ResourceTemplate
                {
                    UriTemplate = MemoryResourceUri.NamespaceTemplate,
                    Name = "namespace",
                    Title = "Namespace",
                    Description = "The most recent memories of a namespace, with counts, as JSON.",
                    MimeType = Json,
                },
                new ResourceTemplate
                {
                    UriTemplate = MemoryResourceUri.MemoryTemplate,
                    Name = "memory",
                    Title = "Memory",
                    Description = "One memory by id, with its version and links, as JSON.",
                    MimeType = Json,
                },
            ],
        });

    public async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> context, CancellationToken cancellationToken)
    {
        var uri = context.Params?.Uri;
        var resource = Parse(uri);
        string text;
        try
        {
            text = resource.Kind switch
            {
                MemoryResourceKind.Namespace => await ReadNamespaceAsync(resource.Value, uri!, cancellationToken),
                MemoryResourceKind.Memory => await ReadMemoryAsync(resource.Value, uri!, cancellationToken),
                _ => JsonSerializer.Serialize(await graph.ReadGraphAsync(options.Value.GraphNamespace, cancellationToken), s_json),
            };
        }
        catch (Exception ex) when (ex is MemoryValidationException or MemoryAccessDeniedException)
        {
            // What the caller may not read is not there for it.
            throw NotFound(uri);
        }

        return new ReadResourceResult { Contents = [new TextResourceContents { Uri = uri!, MimeType = Json, Text = text }] };
    }

    public async ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> context, CancellationToken cancellationToken)
    {
        var uri = context.Params?.Uri;
        var resource = Parse(uri);
        try
        {
            if (resource.Kind == MemoryResourceKind.Memory && await engine.GetAsync(resource.Value, cancellationToken) is null)
            {
                throw NotFound(uri);
            }

            if (resource.Kind == MemoryResourceKind.Namespace)
            {
                // A namespace that does not exist yet may be subscribed to: its first memory is an update.
                await engine.GetStatsAsync(resource.Value, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is MemoryValidationException or MemoryAccessDeniedException)
        {
            // What the caller may not read is not there for it.
            throw NotFound(uri);
        }

        await notifier.SubscribeAsync(context.Server, resource, uri!, cancellationToken);
        return new EmptyResult();
    }

    public ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> context, CancellationToken cancellationToken)
    {
        if (context.Params?.Uri is { } uri)
        {
            notifier.Unsubscribe(context.Server, uri);
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    /// <summary>
    /// Completes namespace names (for the namespace template and the prompts' namespace argument) and memory ids (for
    /// the memory template). Anything else gets an empty list.
    /// </summary>
    public async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> context, CancellationToken cancellationToken)
    {
        var argument = context.Params?.Argument;
        var prefix = argument?.Value ?? string.Empty;
        IReadOnlyList<string> values = (context.Params?.Ref, argument?.Name) switch
        {
            (ResourceTemplateReference { Uri: MemoryResourceUri.NamespaceTemplate }, "namespace") => await NamespacesAsync(prefix, cancellationToken),
            (ResourceTemplateReference { Uri: MemoryResourceUri.MemoryTemplate }, "id") => await MemoryIdsAsync(prefix, cancellationToken),
            (PromptReference { Name: { } prompt }, "namespace") when Prompts.MemoryPrompts.Names.Contains(prompt) => await NamespacesAsync(prefix, cancellationToken),
            _ => [],
        };
        return new CompleteResult
        {
            Completion = new Completion
            {
                Values = values.Take(MaxCompletions).ToList(),
                Total = values.Count,
                HasMore = values.Count > MaxCompletions,
            },
        };
    }

    private async Task<string> ReadNamespaceAsync(string ns, string uri, CancellationToken cancellationToken)
    {
        if (!(await engine.ListNamespacesAsync(cancellationToken)).Contains(ns, StringComparer.Ordinal))
        {
            throw NotFound(uri);
        }

        var stats = await engine.GetStatsAsync(ns, cancellationToken);
        var page = await engine.ListAsync(ns, limit: options.Value.NamespaceResourceLimit, cancellationToken: cancellationToken);
        return JsonSerializer.Serialize(
            new
            {
                Namespace = ns,
                stats.Memories,
                ByKind = Enum.GetValues<MemoryKind>().ToDictionary(MemoryItem.KindName, k => stats.ByKind.GetValueOrDefault(k)),
                stats.Links,
                stats.LastSequence,
                Recent = page.Items.Select(MemoryItem.From).ToList(),
            },
            s_json);
    }

    private async Task<string> ReadMemoryAsync(string id, string uri, CancellationToken cancellationToken)
    {
        var memory = await engine.GetAsync(id, cancellationToken) ?? throw NotFound(uri);
        var links = await engine.GetLinksAsync(id, cancellationToken: cancellationToken);
        return JsonSerializer.Serialize(new GetResult(MemoryItem.From(memory), links.Select(LinkItem.From).ToList()), s_json);
    }

    private async Task<IReadOnlyList<string>> NamespacesAsync(string prefix, CancellationToken cancellationToken) =>
        (await engine.ListNamespacesAsync(cancellationToken)).Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>Ids of recent memories (newest first) across namespaces that start with the prefix.</summary>
    private async Task<IReadOnlyList<string>> MemoryIdsAsync(string prefix, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        foreach (var ns in (await engine.ListNamespacesAsync(cancellationToken)).Take(50))
        {
            var page = await engine.ListAsync(ns, limit: Math.Min(engine.Options.MaxResults, 200), cancellationToken: cancellationToken);
            ids.AddRange(page.Items.Select(m => m.Id).Where(id => id.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)));
            if (ids.Count > MaxCompletions)
            {
                break;
            }
        }

        return ids;
    }

    private static MemoryResourceUri Parse(string? uri) =>
        MemoryResourceUri.TryParse(uri, out var parsed) ? parsed : throw NotFound(uri);

    private static McpProtocolException NotFound(string? uri)
    {
        var shown = new string((uri ?? string.Empty).Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return new McpProtocolException($"Resource not found: '{shown}'. This server serves memory://namespaces/{{namespace}}, memory://memories/{{id}} and memory://knowledge-graph.", McpErrorCode.ResourceNotFound);
    }
}
