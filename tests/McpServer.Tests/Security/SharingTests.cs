using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using KernelMemoryPlus.Server.Security;
using KernelMemoryPlus.Server.Tests.Mcp;
using KernelMemoryPlus.Server.Tests.Realtime;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>
/// Agents with different keys against one running server (Kestrel on loopback), over REST, MCP and WebSocket: what
/// they may read and change follows owners, grants and private memories, and nothing else.
/// </summary>
public sealed class SharingTests : IAsyncLifetime
{
    private McpTestServer _server = null!;
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync()
    {
        _server = McpTestServer.Start();
        var store = _server.Services.GetRequiredService<ApiKeyStore>();
        _keys["root"] = store.Create("root", "admin").Key;
        foreach (var agent in new[] { "alice", "bob", "carol", "dave", "erin" })
        {
            _keys[agent] = store.Create(agent, "agent", agent is "dave" or "erin" ? ["team"] : null).Key;
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    private HttpClient Rest(string who)
    {
        var client = new HttpClient { BaseAddress = _server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _keys[who]);
        return client;
    }

    private Task<McpClient> Mcp(string who, McpClientHandlers? handlers = null) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = _server.Endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = "Bearer " + _keys[who] },
            }),
            new McpClientOptions { ClientInfo = new() { Name = "kmp-sharing-tests", Version = "1.0" }, ProtocolVersion = McpTestServer.Protocol2025, Handlers = handlers ?? new McpClientHandlers() },
            cancellationToken: Ct);

    private async Task<RealtimeClient> WebSocket(string who)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + _keys[who]);
        var uri = new UriBuilder(_server.BaseAddress) { Scheme = "ws", Path = "/ws" }.Uri;
        await socket.ConnectAsync(uri, Ct);
        return new RealtimeClient(socket);
    }

    private static async Task<string> CreateAsync(HttpClient client, string ns, string content, bool isPrivate = false)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/memories", new { @namespace = ns, content, @private = isPrivate, author = "someone-else" }, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        return json.GetProperty("id").GetString()!;
    }

    private static async Task<string> GrantAsync(HttpClient client, string ns, string grantee, string permission = "read", bool group = false, string? memoryId = null)
    {
        using var response = await client.PostAsJsonAsync($"/api/v1/namespaces/{ns}/grants", new { grantee, permission, group, memoryId }, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task TwoAgents_OverRest_OwnerSharesAndRevokes_AuthorIsTheAuthenticatedPrincipal()
    {
        using var alice = Rest("alice");
        using var bob = Rest("bob");
        var id = await CreateAsync(alice, "alice-rest", "alice's plan for Friday");

        var stored = await alice.GetFromJsonAsync<JsonElement>($"/api/v1/memories/{id}", Ct);
        Assert.Equal("alice", stored.GetProperty("author").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/v1/memories/{id}", Ct)).StatusCode);
        using (var recall = await bob.PostAsJsonAsync("/api/v1/recall", new { @namespace = "alice-rest", text = "plan" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, recall.StatusCode);
            Assert.Equal("application/problem+json", recall.Content.Headers.ContentType?.MediaType);
        }

        using (var write = await bob.PostAsJsonAsync("/api/v1/memories", new { @namespace = "alice-rest", content = "bob's intrusion" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        }

        // Bob cannot grant himself anything.
        using (var selfGrant = await bob.PostAsJsonAsync("/api/v1/namespaces/alice-rest/grants", new { grantee = "bob", permission = "admin" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, selfGrant.StatusCode);
        }

        var grant = await GrantAsync(alice, "alice-rest", "bob");
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/v1/memories/{id}", Ct)).StatusCode);
        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/memories/{id}") { Content = JsonContent.Create(new { content = "changed by bob" }) })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await bob.SendAsync(patch, Ct)).StatusCode);
        }

        // Namespaces with '/' work in the sharing routes (sent as %2F).
        await CreateAsync(alice, "alice/team", "a team note");
        var slashed = await GrantAsync(alice, "alice%2Fteam", "bob", "write");
        Assert.Equal("alice/team", (await bob.GetFromJsonAsync<JsonElement>("/api/v1/namespaces/alice%2Fteam", Ct)).GetProperty("namespace").GetString());
        Assert.Contains(slashed, await alice.GetStringAsync("/api/v1/namespaces/alice%2Fteam/grants", Ct), StringComparison.Ordinal);

        var settings = await bob.GetFromJsonAsync<JsonElement>("/api/v1/namespaces/alice-rest", Ct);
        Assert.Equal("alice", settings.GetProperty("owner").GetString());
        Assert.Equal("Read", settings.GetProperty("yourPermission").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/grants/{grant}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await bob.GetAsync($"/api/v1/memories/{id}", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.DeleteAsync($"/api/v1/grants/{grant}", Ct)).StatusCode);

        // The audit log has who did what to which grant, and the refused attempts; admins can query it.
        var audit = (await File.ReadAllLinesAsync(Path.Combine(_server.Services.GetRequiredService<KernelMemoryPlus.Server.Hosting.ServerSettings>().DataDirectory, "audit.jsonl"), Ct))
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(audit, e => e.ToString().Contains("\"bob\"", StringComparison.Ordinal) && e.ToString().Contains("/api/v1/recall", StringComparison.Ordinal) && e.ToString().Contains("403", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.ToString().Contains("\"alice\"", StringComparison.Ordinal) && e.ToString().Contains("namespace:alice-rest", StringComparison.Ordinal) && e.ToString().Contains("201", StringComparison.Ordinal));
        Assert.Contains(audit, e => e.ToString().Contains($"/api/v1/grants/{grant}", StringComparison.Ordinal) && e.ToString().Contains("204", StringComparison.Ordinal));
        using var root = Rest("root");
        Assert.Contains("alice-rest", await root.GetStringAsync("/api/v1/admin/audit", Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.GetAsync("/api/v1/admin/audit", Ct)).StatusCode);
    }

    [Fact]
    public async Task TwoAgents_OverMcp_ShareToolGivesAccess_PrivateMemoriesStayPrivate()
    {
        await using var alice = await Mcp("alice");
        await using var bob = await Mcp("bob");
        var stored = await alice.CallToolAsync("remember", new Dictionary<string, object?> { ["content"] = "the staging password rotates monthly", ["namespace"] = "alice-mcp" }, cancellationToken: Ct);
        Assert.NotEqual(true, stored.IsError);
        var hidden = await alice.CallToolAsync("remember", new Dictionary<string, object?> { ["content"] = "alice private: the monthly rotation is on the 3rd", ["namespace"] = "alice-mcp", ["private"] = true }, cancellationToken: Ct);
        Assert.NotEqual(true, hidden.IsError);

        var refused = await bob.CallToolAsync("recall", new Dictionary<string, object?> { ["query"] = "password", ["namespace"] = "alice-mcp" }, cancellationToken: Ct);
        Assert.True(refused.IsError);
        Assert.Contains("Access denied", McpAssert.Text(refused), StringComparison.Ordinal);

        var shared = await alice.CallToolAsync("share", new Dictionary<string, object?> { ["grantee"] = "bob", ["namespace"] = "alice-mcp", ["permission"] = "write" }, cancellationToken: Ct);
        Assert.NotEqual(true, shared.IsError);

        var found = await bob.CallToolAsync("recall", new Dictionary<string, object?> { ["query"] = "monthly rotation password", ["namespace"] = "alice-mcp" }, cancellationToken: Ct);
        Assert.NotEqual(true, found.IsError);
        var text = McpAssert.Text(found);
        Assert.Contains("staging password", text, StringComparison.Ordinal);
        Assert.DoesNotContain("alice private", text, StringComparison.Ordinal);

        var written = await bob.CallToolAsync("remember", new Dictionary<string, object?> { ["content"] = "bob adds a note", ["namespace"] = "alice-mcp" }, cancellationToken: Ct);
        Assert.NotEqual(true, written.IsError);
        var grants = await alice.CallToolAsync("list_grants", new Dictionary<string, object?> { ["namespace"] = "alice-mcp" }, cancellationToken: Ct);
        Assert.Contains("'bob'", McpAssert.Text(grants), StringComparison.Ordinal);

        // The audit log records the refused tool call, with who made it.
        var audit = await File.ReadAllTextAsync(Path.Combine(_server.Services.GetRequiredService<KernelMemoryPlus.Server.Hosting.ServerSettings>().DataDirectory, "audit.jsonl"), Ct);
        Assert.Contains("\"bob\"", audit, StringComparison.Ordinal);
        Assert.Contains("denied", audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebSocketSubscriber_StopsReceivingWhenItsGrantIsRevoked_AndIsRefusedWithoutOne()
    {
        using var alice = Rest("alice");
        await CreateAsync(alice, "alice-ws", "first");
        await using var bob = await WebSocket("bob");

        await bob.SubscribeAsync("alice-ws", id: "s1");
        var refused = await bob.ExpectAsync("error");
        Assert.Equal("forbidden", refused.GetProperty("code").GetString());

        var grant = await GrantAsync(alice, "alice-ws", "bob");
        await bob.SubscribeAsync("alice-ws", since: 0, id: "s2");
        await bob.ExpectAsync("subscribed");
        Assert.Single(await bob.ReceiveChangesAsync(1));
        var live = await CreateAsync(alice, "alice-ws", "second");
        Assert.Equal(live, (await bob.ReceiveChangesAsync(1))[0].EntityId);

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/grants/{grant}", Ct)).StatusCode);
        await CreateAsync(alice, "alice-ws", "after the revoke");
        await CreateAsync(alice, "alice-ws", "and another");
        Assert.Empty(await bob.PingAsync());
    }

    [Fact]
    public async Task McpResourceSubscriber_StopsBeingNotifiedWhenItsGrantIsRevoked()
    {
        using var alice = Rest("alice");
        using var bobRest = Rest("bob");
        await CreateAsync(alice, "alice-res", "first");
        await CreateAsync(bobRest, "bob-res", "bob's own");
        var grant = await GrantAsync(alice, "alice-res", "bob");

        var updates = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var bob = await Mcp("bob", new McpClientHandlers
        {
            NotificationHandlers =
            [
                new(NotificationMethods.ResourceUpdatedNotification, (n, _) =>
                {
                    updates.Writer.TryWrite(n.Params!.Deserialize<ResourceUpdatedNotificationParams>(ModelContextProtocol.McpJsonUtilities.DefaultOptions)!.Uri);
                    return ValueTask.CompletedTask;
                }),
            ],
        });
        await bob.SubscribeToResourceAsync("memory://namespaces/alice-res", cancellationToken: Ct);
        await bob.SubscribeToResourceAsync("memory://namespaces/bob-res", cancellationToken: Ct);

        await CreateAsync(alice, "alice-res", "seen by bob");
        Assert.Equal("memory://namespaces/alice-res", await ReadAsync(updates.Reader));

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync($"/api/v1/grants/{grant}", Ct)).StatusCode);
        await CreateAsync(alice, "alice-res", "not for bob any more");
        await CreateAsync(bobRest, "bob-res", "a marker in bob's namespace");

        // Notifications are sent in feed order: the marker's comes, the revoked namespace's does not before it.
        Assert.Equal("memory://namespaces/bob-res", await ReadAsync(updates.Reader));
    }

    private static async Task<string> ReadAsync(System.Threading.Channels.ChannelReader<string> reader)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(30));
        return await reader.ReadAsync(guard.Token);
    }

    /// <summary>
    /// Many principals, namespaces, grants (to principals and a group, on namespaces and single memories), revokes and
    /// operations, chosen at random over REST, MCP and the WebSocket replay, checked against a model of who may do
    /// what: no operation succeeds without a grant, no answer holds a memory the caller may not read.
    /// </summary>
    [Fact]
    public async Task RandomizedCrossTenant_NothingSucceedsWithoutAGrant_AndNothingLeaks()
    {
        string[] agents = ["alice", "bob", "carol", "dave", "erin"];
        var groups = new Dictionary<string, string[]> { ["team"] = ["dave", "erin"] };
        var model = new AccessModel(groups);
        var random = new Random(20261126);
        var rest = agents.ToDictionary(a => a, Rest);
        var mcp = new Dictionary<string, McpClient>();
        foreach (var agent in agents)
        {
            mcp[agent] = await Mcp(agent);
        }

        try
        {
            // Every agent owns one namespace with a public and a private memory.
            foreach (var agent in agents)
            {
                string ns = "rt-" + agent;
                model.Owners[ns] = agent;
                model.Memories[await CreateAsync(rest[agent], ns, $"{agent} public note")] = (ns, agent, false);
                model.Memories[await CreateAsync(rest[agent], ns, $"{agent} private note", isPrivate: true)] = (ns, agent, true);
            }

            int checks = 0;
            for (int step = 0; step < 160; step++)
            {
                string actor = agents[random.Next(agents.Length)];
                string ns = "rt-" + agents[random.Next(agents.Length)];
                bool viaMcp = random.Next(2) == 0;
                switch (random.Next(7))
                {
                    case 0: // grant (only the owner or a share holder may)
                    {
                        bool toGroup = random.Next(4) == 0;
                        string grantee = toGroup ? "team" : agents[random.Next(agents.Length)];
                        string permission = random.Next(3) switch { 0 => "write", 1 => "share", _ => "read" };
                        string? memoryId = random.Next(4) == 0 ? model.Memories.Where(m => m.Value.Ns == ns).Select(m => m.Key).OrderBy(k => k, StringComparer.Ordinal).FirstOrDefault() : null;
                        using var response = await rest[actor].PostAsJsonAsync($"/api/v1/namespaces/{ns}/grants", new { grantee, permission, group = toGroup, memoryId }, Ct);
                        bool allowed = memoryId is null ? model.Permission(actor, ns) >= 3 : model.MemoryPermission(actor, memoryId) >= 3;
                        Assert.True(allowed == (response.StatusCode == HttpStatusCode.Created), $"step {step}: {actor} granting {permission} on {ns}/{memoryId} to {grantee}: {response.StatusCode}");
                        if (allowed)
                        {
                            var id = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
                            model.Grants.Add((id, ns, memoryId, grantee, toGroup, permission switch { "write" => 2, "share" => 3, _ => 1 }));
                        }

                        break;
                    }

                    case 1: // revoke a random grant as its namespace's owner
                    {
                        if (model.Grants.Count == 0)
                        {
                            break;
                        }

                        var grant = model.Grants[random.Next(model.Grants.Count)];
                        using var response = await rest[model.Owners[grant.Ns]].DeleteAsync($"/api/v1/grants/{grant.Id}", Ct);
                        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
                        model.Grants.Remove(grant);
                        break;
                    }

                    case 2: // write
                    {
                        bool isPrivate = random.Next(5) == 0;
                        bool allowed = model.Permission(actor, ns) >= 2;
                        string content = $"step {step} by {actor}";
                        if (viaMcp)
                        {
                            var result = await mcp[actor].CallToolAsync("remember", new Dictionary<string, object?> { ["content"] = content, ["namespace"] = ns, ["private"] = isPrivate }, cancellationToken: Ct);
                            Assert.True(allowed == (result.IsError != true), $"step {step}: {actor} writing {ns} over MCP: {McpAssert.Text(result)}");
                            if (allowed)
                            {
                                var id = result.StructuredContent!.Value.GetProperty("memory").GetProperty("id").GetString()!;
                                model.Memories[id] = (ns, actor, isPrivate);
                            }
                        }
                        else
                        {
                            using var response = await rest[actor].PostAsJsonAsync("/api/v1/memories", new { @namespace = ns, content, @private = isPrivate }, Ct);
                            Assert.True(allowed == (response.StatusCode == HttpStatusCode.Created), $"step {step}: {actor} writing {ns} over REST: {response.StatusCode}");
                            if (allowed)
                            {
                                model.Memories[(await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!] = (ns, actor, isPrivate);
                            }
                        }

                        break;
                    }

                    case 3: // read one memory by id
                    {
                        var id = model.Memories.Keys.OrderBy(k => k, StringComparer.Ordinal).ElementAt(random.Next(model.Memories.Count));
                        bool visible = model.CanRead(actor, id);
                        if (viaMcp)
                        {
                            var result = await mcp[actor].CallToolAsync("get", new Dictionary<string, object?> { ["id"] = id }, cancellationToken: Ct);
                            Assert.True(visible == (result.IsError != true), $"step {step}: {actor} get {id} over MCP");
                        }
                        else
                        {
                            using var response = await rest[actor].GetAsync($"/api/v1/memories/{id}", Ct);
                            Assert.True(visible == (response.StatusCode == HttpStatusCode.OK), $"step {step}: {actor} get {id} over REST: {response.StatusCode}");
                        }

                        break;
                    }

                    case 4: // list a namespace: exactly the visible memories, or 403 without any access
                    {
                        using var response = await rest[actor].GetAsync($"/api/v1/memories?namespace={ns}&limit=1000", Ct);
                        var expected = model.Memories.Where(m => m.Value.Ns == ns && model.CanRead(actor, m.Key)).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
                        if (!model.HasAnyAccess(actor, ns))
                        {
                            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
                            break;
                        }

                        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                        var items = (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!).Order(StringComparer.Ordinal).ToList();
                        Assert.Equal(expected, items);
                        checks++;
                        break;
                    }

                    case 5: // recall: never a memory the caller may not read
                    {
                        if (viaMcp)
                        {
                            var result = await mcp[actor].CallToolAsync("recall", new Dictionary<string, object?> { ["query"] = "note step private public", ["namespace"] = ns, ["limit"] = 50 }, cancellationToken: Ct);
                            Assert.True(model.HasAnyAccess(actor, ns) == (result.IsError != true), $"step {step}: {actor} recall {ns} over MCP: {McpAssert.Text(result)}");
                            if (result.IsError != true)
                            {
                                foreach (var hit in result.StructuredContent!.Value.GetProperty("results").EnumerateArray())
                                {
                                    var id = hit.GetProperty("memory").GetProperty("id").GetString()!;
                                    Assert.True(model.CanRead(actor, id), $"step {step}: {actor} recalled {id} it may not read");
                                }
                            }
                        }
                        else
                        {
                            using var response = await rest[actor].PostAsJsonAsync("/api/v1/recall", new { @namespace = ns, text = "note step private public", limit = 50 }, Ct);
                            Assert.True(model.HasAnyAccess(actor, ns) == (response.StatusCode == HttpStatusCode.OK), $"step {step}: {actor} recall {ns}: {response.StatusCode}");
                            if (response.IsSuccessStatusCode)
                            {
                                foreach (var hit in (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("results").EnumerateArray())
                                {
                                    var id = hit.GetProperty("memory").GetProperty("id").GetString()!;
                                    Assert.True(model.CanRead(actor, id), $"step {step}: {actor} recalled {id} it may not read");
                                }
                            }
                        }

                        checks++;
                        break;
                    }

                    default: // the change feed across namespaces: only readable memories
                    {
                        var page = await rest[actor].GetFromJsonAsync<JsonElement>("/api/v1/changes?since=0&limit=1000", Ct);
                        var ids = page.GetProperty("changes").EnumerateArray().Select(c => c.GetProperty("entityId").GetString()!).ToList();
                        var expected = model.Memories.Keys.Where(id => model.CanRead(actor, id)).Order(StringComparer.Ordinal).ToList();
                        Assert.Equal(expected, ids.Order(StringComparer.Ordinal).ToList());
                        checks++;
                        break;
                    }
                }
            }

            Assert.True(checks > 40, $"only {checks} read checks ran");

            // The WebSocket replay of the whole feed holds exactly what each agent may read now.
            foreach (var agent in agents)
            {
                await using var socket = await WebSocket(agent);
                await socket.SubscribeAsync(null, since: 0, id: "all");
                await socket.ExpectAsync("subscribed");
                var expected = model.Memories.Keys.Where(id => model.CanRead(agent, id)).Order(StringComparer.Ordinal).ToList();
                var received = await socket.ReceiveChangesAsync(expected.Count);
                Assert.Equal(expected, received.Select(c => c.EntityId).Order(StringComparer.Ordinal).ToList());
                Assert.Empty(await socket.PingAsync());
            }
        }
        finally
        {
            foreach (var client in mcp.Values)
            {
                await client.DisposeAsync();
            }

            foreach (var client in rest.Values)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The rules, written independently of the engine: owners, grants (namespace or memory, principal or group), private memories.</summary>
    private sealed class AccessModel(Dictionary<string, string[]> groups)
    {
        public Dictionary<string, string> Owners { get; } = new(StringComparer.Ordinal);

        public List<(string Id, string Ns, string? MemoryId, string Grantee, bool Group, int Level)> Grants { get; } = [];

        public Dictionary<string, (string Ns, string Author, bool Private)> Memories { get; } = new(StringComparer.Ordinal);

        private bool Matches((string Id, string Ns, string? MemoryId, string Grantee, bool Group, int Level) g, string who) =>
            g.Group ? groups.TryGetValue(g.Grantee, out var members) && members.Contains(who) : g.Grantee == who;

        /// <summary>0 none, 1 read, 2 write, 3 share, 4 admin (owner).</summary>
        public int Permission(string who, string ns) =>
            Owners.GetValueOrDefault(ns) == who ? 4 : Grants.Where(g => g.Ns == ns && g.MemoryId is null && Matches(g, who)).Select(g => g.Level).DefaultIfEmpty(0).Max();

        public int MemoryPermission(string who, string id)
        {
            var (ns, author, isPrivate) = Memories[id];
            int onNamespace = Permission(who, ns);
            if (onNamespace == 4)
            {
                return 4;
            }

            int onMemory = Grants.Where(g => g.MemoryId == id && Matches(g, who)).Select(g => g.Level).DefaultIfEmpty(0).Max();
            if (isPrivate && author != who)
            {
                return onMemory;
            }

            int asAuthor = isPrivate && author == who && onNamespace > 0 ? 3 : 0;
            return Math.Max(Math.Max(onNamespace, onMemory), asAuthor);
        }

        public bool CanRead(string who, string id) => MemoryPermission(who, id) >= 1;

        public bool HasAnyAccess(string who, string ns) =>
            Permission(who, ns) > 0 || Grants.Any(g => g.Ns == ns && g.MemoryId is not null && Matches(g, who));
    }
}
