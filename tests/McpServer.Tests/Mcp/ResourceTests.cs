using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using KernelMemoryPlus.Server.Mcp.Resources;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using static KernelMemoryPlus.Server.Tests.Mcp.McpAssert;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>Resources, subscriptions (both protocol generations), completions.</summary>
public sealed class ResourceTests(McpServerFixture fixture) : IClassFixture<McpServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Resources_ListOnePerNamespace_AndReadNamespaceMemoryAndGraph()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace("res");
        var id = (await client.CallAsync("remember", new { content = "Resource test memory", @namespace = ns, tags = new[] { "r" } })).GetProperty("memory").Str("id");

        var resources = await ListAllAsync(client);
        var templates = await client.ListResourceTemplatesAsync(cancellationToken: Token);
        var namespaceJson = Read(await client.ReadResourceAsync($"memory://namespaces/{ns}", cancellationToken: Token));
        var memoryJson = Read(await client.ReadResourceAsync($"memory://memories/{id}", cancellationToken: Token));
        var graph = Read(await client.ReadResourceAsync("memory://knowledge-graph", cancellationToken: Token));

        Assert.Contains(resources, r => r.Uri == $"memory://namespaces/{ns}" && r.Name == ns && r.MimeType == "application/json");
        Assert.Contains(resources, r => r.Uri == "memory://knowledge-graph");
        Assert.Equal(["memory://namespaces/{namespace}", "memory://memories/{id}"], templates.Select(t => t.UriTemplate));
        Assert.Equal(1, namespaceJson.GetProperty("memories").GetInt32());
        Assert.Equal(id, namespaceJson.GetProperty("recent")[0].Str("id"));
        Assert.Equal("Resource test memory", memoryJson.GetProperty("memory").Str("content"));
        Assert.True(graph.TryGetProperty("entities", out _));
    }

    [Fact]
    public async Task ReadResource_UnknownOrMalformed_IsResourceNotFound()
    {
        await using var client = await fixture.Server.ConnectAsync();

        foreach (var uri in new[] { "memory://memories/0000000000000000", $"memory://namespaces/{NewNamespace()}", "memory://namespaces/..%2F..%2Fetc", "file:///etc/passwd", "memory://memories/a%00b", "test://static-text" })
        {
            var ex = await Assert.ThrowsAsync<McpProtocolException>(() => client.ReadResourceAsync(uri, cancellationToken: Token).AsTask());
            Assert.Equal(McpErrorCode.ResourceNotFound, ex.ErrorCode);
        }

        Assert.NotNull(await client.PingAsync(cancellationToken: Token)); // still serving
    }

    [Fact]
    public async Task Subscribe_Protocol2025_NamespaceAndMemoryUpdatesArrive_AndStopAfterUnsubscribe()
    {
        await using var client = await fixture.Server.ConnectAsync(McpTestServer.Protocol2025);
        await using var writer = await fixture.Server.ConnectAsync();
        var ns = NewNamespace("sub");
        var id = (await writer.CallAsync("remember", new { content = "watched memory", @namespace = ns })).GetProperty("memory").Str("id");
        var updates = Channel.CreateUnbounded<string>();
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
        {
            updates.Writer.TryWrite(n.Params!["uri"]!.GetValue<string>());
            return default;
        });
        var namespaceUri = $"memory://namespaces/{ns}";
        var memoryUri = $"memory://memories/{id}";

        await client.SubscribeToResourceAsync(namespaceUri, cancellationToken: Token);
        await client.SubscribeToResourceAsync(memoryUri, cancellationToken: Token);
        await writer.CallAsync("update", new { id, content = "watched memory, changed by another client" });

        Assert.Equal([memoryUri, namespaceUri], (await NextAsync(updates, 2)).Order());

        await client.UnsubscribeFromResourceAsync(memoryUri, cancellationToken: Token);
        await writer.CallAsync("remember", new { content = "another memory in the namespace", @namespace = ns });
        await writer.CallAsync("update", new { id, content = "changed again" });

        // Both writes touch the namespace: one or two namespace updates arrive (they may be coalesced), never the memory.
        var after = await NextAsync(updates, 1);
        Assert.Equal([namespaceUri], after);
        await writer.CallAsync("forget", new { id });
        await client.UnsubscribeFromResourceAsync(namespaceUri, cancellationToken: Token);
        while (updates.Reader.TryRead(out var uri))
        {
            Assert.Equal(namespaceUri, uri);
        }
    }

    [Fact]
    public async Task Subscribe_KnowledgeGraph_UpdatesWhenTheGraphChanges()
    {
        await using var client = await fixture.Server.ConnectAsync(McpTestServer.Protocol2025);
        var updated = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await client.SubscribeToResourceAsync("memory://knowledge-graph", (n, _) =>
        {
            updated.TrySetResult(n.Uri);
            return default;
        }, cancellationToken: Token);

        await client.CallAsync("create_entities", new { entities = new object[] { new { name = $"Entity {Guid.NewGuid():N}", entityType = "thing", observations = Array.Empty<string>() } } });

        Assert.Equal("memory://knowledge-graph", await updated.Task.WaitAsync(Wait, Token));
    }

    [Fact]
    public async Task Subscribe_UnknownMemoryOrForeignUri_IsRejected()
    {
        await using var client = await fixture.Server.ConnectAsync(McpTestServer.Protocol2025);

        var unknown = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("memory://memories/nope", cancellationToken: Token));
        var foreign = await Assert.ThrowsAsync<McpProtocolException>(() => client.SubscribeToResourceAsync("test://watched-resource", cancellationToken: Token));

        Assert.Equal(McpErrorCode.ResourceNotFound, unknown.ErrorCode);
        Assert.Equal(McpErrorCode.ResourceNotFound, foreign.ErrorCode);
    }

    [Fact]
    public async Task ListChanged_IsSentWhenANamespaceAppears_ToClientsThatListedResources()
    {
        await using var client = await fixture.Server.ConnectAsync(McpTestServer.Protocol2025);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var handler = client.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            changed.TrySetResult();
            return default;
        });
        var ns = NewNamespace("new");

        await ListAllAsync(client);
        await client.CallAsync("remember", new { content = "first memory of a new namespace", @namespace = ns });

        await changed.Task.WaitAsync(Wait, Token);
        Assert.Contains(await ListAllAsync(client), r => r.Name == ns);
        Assert.True(client.ServerCapabilities.Resources!.ListChanged);
        Assert.True(client.ServerCapabilities.Resources.Subscribe);
    }

    [Fact]
    public async Task SubscriptionsListen_Protocol2026_AcknowledgesAndStreamsTaggedUpdates()
    {
        await using var client = await fixture.Server.ConnectAsync(protocolVersion: "2026-07-28");
        await using var writer = await fixture.Server.ConnectAsync();
        var ns = NewNamespace("listen");
        var namespaceUri = $"memory://namespaces/{ns}";
        var acks = Channel.CreateUnbounded<JsonRpcNotification>();
        var updates = Channel.CreateUnbounded<JsonRpcNotification>();
        await using var ackHandler = client.RegisterNotificationHandler(NotificationMethods.SubscriptionsAcknowledgedNotification, (n, _) => { acks.Writer.TryWrite(n); return default; });
        await using var updateHandler = client.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (n, _) => { updates.Writer.TryWrite(n); return default; });
        using var listening = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var request = new JsonRpcRequest
        {
            Id = new RequestId("listen-1"),
            Method = RequestMethods.SubscriptionsListen,
            Params = JsonSerializer.SerializeToNode(
                new SubscriptionsListenRequestParams { Notifications = new SubscriptionsListenNotifications { ResourceSubscriptions = [namespaceUri, "test://not-ours"] } },
                McpJsonUtilities.DefaultOptions),
        };
        var listen = client.SendRequestAsync(request, listening.Token);

        var ack = await acks.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token);
        await writer.CallAsync("remember", new { content = "seen through subscriptions/listen", @namespace = ns });
        var update = await updates.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token);

        var granted = ack.Params!["notifications"]!["resourceSubscriptions"]!.AsArray().Select(u => u!.GetValue<string>());
        Assert.Equal([namespaceUri], granted);
        Assert.Equal("listen-1", SubscriptionId(ack));
        Assert.Equal(namespaceUri, update.Params!["uri"]!.GetValue<string>());
        Assert.Equal("listen-1", SubscriptionId(update));

        await listening.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listen);
    }

    [Fact]
    public async Task Protocol2026_ListsAndReadsResourcesStatelessly_AndKeepsNoSessionState()
    {
        await using var server = McpTestServer.Start();
        var notifier = server.Services.GetRequiredService<ResourceChangeNotifier>();
        await using var client = await server.ConnectAsync(protocolVersion: "2026-07-28");
        var ns = NewNamespace("stateless");
        await client.CallAsync("remember", new { content = "served without a session", @namespace = ns });

        var resources = await ListAllAsync(client);
        var read = Read(await client.ReadResourceAsync($"memory://namespaces/{ns}", cancellationToken: Token));
        // The SDK refuses the method on this revision (HTTP 404 with JSON-RPC -32601): such clients use subscriptions/listen.
        var subscribe = await Assert.ThrowsAnyAsync<Exception>(() => client.SubscribeToResourceAsync($"memory://namespaces/{ns}", cancellationToken: Token));

        Assert.Null(client.SessionId);
        Assert.Contains(resources, r => r.Name == ns);
        Assert.Equal(1, read.GetProperty("memories").GetInt32());
        Assert.Contains("-32601", subscribe.Message);
        Assert.Equal(0, notifier.ListenerCount);
    }

    [Fact]
    public async Task SessionEnd_DropsItsSubscriptions()
    {
        var notifier = fixture.Server.Services.GetRequiredService<ResourceChangeNotifier>();
        var client = await fixture.Server.ConnectAsync(McpTestServer.Protocol2025);
        await client.SubscribeToResourceAsync($"memory://namespaces/{NewNamespace("end")}", cancellationToken: Token);
        var key = "session:" + client.SessionId;
        var removed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnRemoved(string k)
        {
            if (k == key)
            {
                removed.TrySetResult();
            }
        }

        notifier.ListenerRemoved += OnRemoved;
        try
        {
            // Disposing the client deletes the session; the server ends it and drops its listener.
            await client.DisposeAsync();
            await removed.Task.WaitAsync(Wait, Token);
        }
        finally
        {
            notifier.ListenerRemoved -= OnRemoved;
        }
    }

    [Fact]
    public async Task Complete_NamespacesAndMemoryIds_AndEmptyForUnknownReferences()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var prefix = $"cmp{Guid.NewGuid():N}"[..12];
        var id = (await client.CallAsync("remember", new { content = "completion target", @namespace = prefix + "-one" })).GetProperty("memory").Str("id");
        await client.CallAsync("remember", new { content = "completion target", @namespace = prefix + "-two" });

        var namespaces = await client.CompleteAsync(new ResourceTemplateReference { Uri = "memory://namespaces/{namespace}" }, "namespace", prefix, cancellationToken: Token);
        var forPrompt = await client.CompleteAsync(new PromptReference { Name = "summarize-namespace" }, "namespace", prefix + "-t", cancellationToken: Token);
        var ids = await client.CompleteAsync(new ResourceTemplateReference { Uri = "memory://memories/{id}" }, "id", id[..20], cancellationToken: Token);
        var unknown = await client.CompleteAsync(new PromptReference { Name = "test_prompt_with_arguments" }, "arg1", "test", cancellationToken: Token);

        Assert.Equal([prefix + "-one", prefix + "-two"], namespaces.Completion.Values);
        Assert.Equal([prefix + "-two"], forPrompt.Completion.Values);
        Assert.Contains(id, ids.Completion.Values);
        Assert.All(ids.Completion.Values, v => Assert.StartsWith(id[..20], v));
        Assert.Empty(unknown.Completion.Values);
    }

    private static async Task<List<McpClientResource>> ListAllAsync(McpClient client) =>
        [.. await client.ListResourcesAsync(cancellationToken: Token)];

    private static JsonElement Read(ReadResourceResult result) =>
        JsonDocument.Parse(Assert.IsType<TextResourceContents>(Assert.Single(result.Contents)).Text).RootElement;

    private static async Task<List<string>> NextAsync(Channel<string> channel, int count)
    {
        var items = new List<string>();
        while (items.Count < count)
        {
            var item = await channel.Reader.ReadAsync(Token).AsTask().WaitAsync(Wait, Token);
            if (!items.Contains(item))
            {
                items.Add(item);
            }
        }

        return items;
    }

    private static string? SubscriptionId(JsonRpcNotification notification) =>
        (notification.Params?["_meta"] as JsonObject)?[MetaKeys.SubscriptionId]?.GetValue<string>();
}
