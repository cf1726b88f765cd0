using System.Text.Json;
using ModelContextProtocol.Client;
using static KernelMemoryPlus.Server.Tests.Mcp.McpAssert;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The memory tools over Streamable HTTP against the real server.</summary>
public sealed class MemoryToolsTests(McpServerFixture fixture) : IClassFixture<McpServerFixture>
{
    private static readonly string[] NativeTools =
    [
        "remember", "recall", "get", "update", "forget", "link", "unlink", "explore", "timeline",
        "record_procedure", "find_procedures", "report_outcome", "memory_stats", "sync",
    ];

    [Fact]
    public async Task ListTools_EveryToolAndParameterIsDescribed()
    {
        await using var client = await fixture.Server.ConnectAsync();

        var tools = await client.ListToolsAsync(cancellationToken: Token);

        var names = tools.Select(t => t.Name).ToHashSet();
        Assert.Superset(NativeTools.Concat(KnowledgeGraphToolsTests.ReferenceTools).ToHashSet(), names);
        foreach (var tool in tools)
        {
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), $"{tool.Name} has no description");
            foreach (var parameter in tool.ProtocolTool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(parameter.Value.TryGetProperty("description", out var d) && d.GetString()!.Length > 0, $"{tool.Name}.{parameter.Name} has no description");
            }

            Assert.NotNull(tool.ProtocolTool.OutputSchema);
        }
    }

    [Fact]
    public async Task Tools_WorkOnTheDefaultProtocolVersionToo()
    {
        await using var client = await fixture.Server.ConnectAsync(protocolVersion: null);
        var ns = NewNamespace();

        var stored = await client.CallAsync("remember", new { content = "The staging database runs on port 5433", @namespace = ns });
        var recalled = await client.CallAsync("recall", new { query = "staging database port", @namespace = ns });

        Assert.Equal(stored.GetProperty("memory").Str("id"), recalled.GetProperty("results")[0].GetProperty("memory").Str("id"));
    }

    [Fact]
    public async Task Remember_EpisodicWithEverything_IsStoredAsGiven()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();

        var result = await client.CallToolAsync("remember", Arguments(new
        {
            content = "Standup: Bob will ship the billing fix on Friday",
            @namespace = ns,
            tags = new[] { "Standup", "billing" },
            metadata = new Dictionary<string, object> { ["speaker"] = "bob", ["turn"] = 4, ["final"] = true },
            importance = 0.9,
            sessionId = "meeting-17",
            occurredAt = "2026-03-02T09:15:00Z",
            pinned = true,
        }), cancellationToken: Token);

        var memory = result.StructuredContent!.Value.GetProperty("memory");
        Assert.Equal("episodic", memory.Str("kind"));
        Assert.Equal(ns, memory.Str("namespace"));
        Assert.Equal(["standup", "billing"], memory.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("bob", memory.GetProperty("metadata").Str("speaker"));
        Assert.Equal("4", memory.GetProperty("metadata").Str("turn"));
        Assert.Equal("true", memory.GetProperty("metadata").Str("final"));
        Assert.Equal(0.9, memory.GetProperty("importance").GetDouble());
        Assert.Equal("meeting-17", memory.Str("sessionId"));
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 9, 15, 0, TimeSpan.Zero), memory.GetProperty("occurredAt").GetDateTimeOffset());
        Assert.True(memory.GetProperty("pinned").GetBoolean());
        Assert.Equal(1, memory.GetProperty("version").GetInt64());
        Assert.Contains(memory.Str("id"), Text(result));
    }

    [Fact]
    public async Task Remember_FactWithSameSubjectAndPredicate_SupersedesTheOldOneAndKeepsIt()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();

        var paris = await client.CallAsync("remember", new { content = "Alice lives in Paris", kind = "semantic", subject = "Alice", predicate = "lives in", @object = "Paris", @namespace = ns });
        var berlin = await client.CallAsync("remember", new { content = "Alice moved to Berlin", kind = "semantic", subject = "Alice", predicate = "lives in", @object = "Berlin", @namespace = ns });

        var parisId = paris.GetProperty("memory").Str("id");
        Assert.Equal([parisId], berlin.GetProperty("superseded").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("lives_in", berlin.GetProperty("memory").Str("predicate"));
        var now = await client.CallAsync("recall", new { query = "where does Alice live", @namespace = ns, kinds = new[] { "semantic" } });
        Assert.DoesNotContain(now.GetProperty("results").EnumerateArray(), r => r.GetProperty("memory").Str("id") == parisId);
        var history = await client.CallAsync("recall", new { query = "where does Alice live", @namespace = ns, includeHistory = true });
        Assert.Contains(history.GetProperty("results").EnumerateArray(), r => r.GetProperty("memory").Str("id") == parisId);
        var old = await client.CallAsync("get", new { id = parisId });
        Assert.Equal(berlin.GetProperty("memory").Str("id"), old.GetProperty("memory").Str("supersededBy"));
    }

    [Fact]
    public async Task Recall_FiltersByKindTagsTimeRangeLimitAndMinScore_AndMarksResultsAsData()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var early = await client.CallAsync("remember", new { content = "Deployed the payment service to production", @namespace = ns, tags = new[] { "deploy" }, occurredAt = "2026-01-05T10:00:00Z" });
        var late = await client.CallAsync("remember", new { content = "Deployed the payment service again after the rollback", @namespace = ns, tags = new[] { "deploy", "rollback" }, occurredAt = "2026-02-10T10:00:00Z" });
        await client.CallAsync("remember", new { content = "Payment service deploys need the feature flag off", kind = "semantic", @namespace = ns, tags = new[] { "deploy" } });

        var all = await client.CallToolAsync("recall", Arguments(new { query = "payment service deploy", @namespace = ns }), cancellationToken: Token);
        var episodicInFebruary = await client.CallAsync("recall", new { query = "payment service deploy", @namespace = ns, kinds = new[] { "episodic" }, from = "2026-02-01T00:00:00Z", to = "2026-03-01T00:00:00Z" });
        var tagged = await client.CallAsync("recall", new { query = "payment service deploy", @namespace = ns, tags = new[] { "rollback" } });
        var one = await client.CallAsync("recall", new { query = "payment service deploy", @namespace = ns, limit = 1 });
        var none = await client.CallToolAsync("recall", Arguments(new { query = "payment service deploy", @namespace = ns, minScore = 1.0 }), cancellationToken: Token);

        Assert.Equal(3, all.StructuredContent!.Value.GetProperty("results").GetArrayLength());
        Assert.StartsWith("3 memories", Text(all));
        Assert.Contains("not instructions", Text(all));
        Assert.Equal([late.GetProperty("memory").Str("id")], Ids(episodicInFebruary));
        Assert.Equal([late.GetProperty("memory").Str("id")], Ids(tagged));
        Assert.Single(Ids(one));
        Assert.Empty(Ids(none.StructuredContent!.Value));
        Assert.StartsWith("No matching memories", Text(none));
        Assert.NotEqual(early.GetProperty("memory").Str("id"), late.GetProperty("memory").Str("id"));
    }

    [Fact]
    public async Task Recall_IsTypoTolerant()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var stored = await client.CallAsync("remember", new { content = "Kubernetes cluster upgrade is scheduled for Thursday", @namespace = ns });
        await client.CallAsync("remember", new { content = "Lunch order: two pizzas", @namespace = ns });

        var result = await client.CallAsync("recall", new { query = "kubernets clustr upgrade", @namespace = ns, limit = 1 });

        Assert.Equal([stored.GetProperty("memory").Str("id")], Ids(result));
    }

    [Fact]
    public async Task GetUpdateForget_WithVersions()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var id = (await client.CallAsync("remember", new { content = "The VPN password rotates monthly", @namespace = ns })).GetProperty("memory").Str("id");

        var updated = await client.CallAsync("update", new { id, content = "The VPN password rotates every two weeks", tags = new[] { "security" }, importance = 0.8, expectedVersion = 1 });
        var conflict = await client.CallFailingAsync("update", new { id, content = "stale write", expectedVersion = 1 });
        var got = await client.CallAsync("get", new { id });
        var staleForget = await client.CallFailingAsync("forget", new { id, expectedVersion = 1 });
        var forgot = await client.CallAsync("forget", new { id, expectedVersion = 2 });
        var gone = await client.CallFailingAsync("get", new { id });

        Assert.Equal(2, updated.GetProperty("version").GetInt64());
        Assert.Contains("version 2, not 1", conflict);
        Assert.Equal("The VPN password rotates every two weeks", got.GetProperty("memory").Str("content"));
        Assert.Equal(["security"], got.GetProperty("memory").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("version 2, not 1", staleForget);
        Assert.True(forgot.GetProperty("deleted").GetBoolean());
        Assert.Contains($"No memory with id '{id}'", gone);
    }

    [Fact]
    public async Task LinkExploreUnlink_FollowAssociations()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var outage = await IdOf(client, new { content = "Outage on March 3: the cache cluster ran out of memory", @namespace = ns });
        var cause = await IdOf(client, new { content = "The cache eviction policy was set to noeviction", @namespace = ns });
        var fix = await IdOf(client, new { content = "Set maxmemory-policy to allkeys-lru on all cache nodes", @namespace = ns });

        var link = await client.CallAsync("link", new { fromId = outage, toId = cause, type = "caused_by", weight = 0.9 });
        await client.CallAsync("link", new { fromId = cause, toId = fix, type = "fixed_by", weight = 0.8 });
        var explored = await client.CallAsync("explore", new { id = outage, depth = 2 });
        var got = await client.CallAsync("get", new { id = outage });
        var removed = await client.CallAsync("unlink", new { fromId = outage, toId = cause });
        var after = await client.CallAsync("explore", new { id = outage });

        Assert.Equal("caused_by", link.Str("type"));
        var reached = explored.GetProperty("associations").EnumerateArray().ToList();
        Assert.Equal([cause, fix], reached.Select(a => a.GetProperty("memory").Str("id")));
        Assert.Equal(2, reached[1].GetProperty("hops").GetInt32());
        Assert.Equal("caused_by", got.GetProperty("links")[0].Str("type"));
        Assert.Equal(1, removed.GetProperty("removed").GetInt32());
        Assert.Equal(0, after.GetProperty("associations").GetArrayLength());
    }

    [Fact]
    public async Task Timeline_OrdersEventsFiltersAndShowsWhatHappenedAround()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var ids = new List<string>();
        for (int day = 1; day <= 5; day++)
        {
            ids.Add(await IdOf(client, new { content = $"Daily note {day}", @namespace = ns, sessionId = day % 2 == 0 ? "even" : "odd", occurredAt = $"2026-04-0{day}T08:00:00Z" }));
        }

        var all = await client.CallAsync("timeline", new { @namespace = ns });
        var range = await client.CallAsync("timeline", new { @namespace = ns, from = "2026-04-02T00:00:00Z", to = "2026-04-04T00:00:00Z" });
        var newest = await client.CallAsync("timeline", new { @namespace = ns, newestFirst = true, limit = 2 });
        var session = await client.CallAsync("timeline", new { @namespace = ns, sessionId = "even" });
        var around = await client.CallAsync("timeline", new { aroundId = ids[2], before = 1, after = 1 });

        Assert.Equal(ids, EventIds(all));
        Assert.Equal([ids[1], ids[2]], EventIds(range));
        Assert.Equal([ids[4], ids[3]], EventIds(newest));
        Assert.Equal([ids[1], ids[3]], EventIds(session));
        Assert.Equal(ids[2], around.Str("centerId"));
        Assert.Equal([ids[0], ids[2], ids[4]], EventIds(around)); // same session only
    }

    [Fact]
    public async Task Procedures_RecordFindReportAndVersion()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();

        var v1 = await client.CallAsync("record_procedure", new { name = "Rotate TLS certificates", description = "Renew and install the TLS certificates of the web servers", steps = new[] { "Request new certificates", "Install them", "Reload nginx" }, @namespace = ns });
        var v2 = await client.CallAsync("record_procedure", new { name = "Rotate TLS certificates", description = "Renew and install the TLS certificates of the web servers", steps = new[] { "Request new certificates", "Install them", "Run nginx -t", "Reload nginx" }, @namespace = ns });
        await client.CallAsync("record_procedure", new { name = "Make coffee", description = "Brew coffee for the team", steps = new[] { "Grind beans", "Brew" }, @namespace = ns });
        var id = v2.GetProperty("procedure").Str("id");
        var success = await client.CallAsync("report_outcome", new { id, success = true });
        var failure = await client.CallAsync("report_outcome", new { id, success = false });
        var found = await client.CallToolAsync("find_procedures", Arguments(new { task = "renew the TLS certificate on the web server", @namespace = ns, limit = 1 }), cancellationToken: Token);

        Assert.Equal(1, v1.GetProperty("version").GetInt32());
        Assert.Equal(2, v2.GetProperty("version").GetInt32());
        Assert.Equal(v1.GetProperty("procedure").Str("id"), v2.Str("replacedId"));
        Assert.Equal(1, success.GetProperty("procedure").GetProperty("successCount").GetInt32());
        Assert.Equal(1, failure.GetProperty("procedure").GetProperty("failureCount").GetInt32());
        Assert.Equal(0.5, failure.GetProperty("successRate").GetDouble());
        var best = found.StructuredContent!.Value.GetProperty("results")[0];
        Assert.Equal(id, best.GetProperty("procedure").Str("id"));
        Assert.Equal(4, best.GetProperty("procedure").GetProperty("steps").GetArrayLength());
        Assert.Contains("3. \"Run nginx -t\"", Text(found));
    }

    [Fact]
    public async Task MemoryStats_CountsANamespaceAndTheStore()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        var a = await IdOf(client, new { content = "first event", @namespace = ns });
        var b = await IdOf(client, new { content = "a fact", kind = "semantic", @namespace = ns });
        await client.CallAsync("link", new { fromId = a, toId = b });

        var stats = await client.CallAsync("memory_stats", new { @namespace = ns });
        var store = await client.CallAsync("memory_stats");

        Assert.Equal(2, stats.GetProperty("memories").GetInt32());
        Assert.Equal(1, stats.GetProperty("byKind").GetProperty("episodic").GetInt32());
        Assert.Equal(1, stats.GetProperty("byKind").GetProperty("semantic").GetInt32());
        Assert.Equal(1, stats.GetProperty("links").GetInt32());
        Assert.Equal("kmp-offline-v1", stats.Str("embeddingModel"));
        Assert.Contains(ns, store.GetProperty("namespaces").EnumerateArray().Select(n => n.GetString()));
        Assert.True(store.GetProperty("lastSequence").GetInt64() >= 3);
    }

    [Fact]
    public async Task Sync_ListsChangesAfterASequenceNumberInPages()
    {
        await using var client = await fixture.Server.ConnectAsync();
        var ns = NewNamespace();
        long since = (await client.CallAsync("memory_stats")).GetProperty("lastSequence").GetInt64();
        var id = await IdOf(client, new { content = "to be changed", @namespace = ns });
        await client.CallAsync("update", new { id, content = "changed" });
        await client.CallAsync("forget", new { id });

        var first = await client.CallAsync("sync", new { since, @namespace = ns, limit = 2 });
        var rest = await client.CallAsync("sync", new { since = first.GetProperty("nextSince").GetInt64(), @namespace = ns });

        var ops = first.GetProperty("changes").EnumerateArray().Concat(rest.GetProperty("changes").EnumerateArray()).ToList();
        Assert.True(first.GetProperty("hasMore").GetBoolean());
        Assert.False(rest.GetProperty("hasMore").GetBoolean());
        Assert.Equal(["created", "updated", "deleted"], ops.Select(o => o.Str("operation")));
        Assert.All(ops, o => Assert.Equal(id, o.Str("id")));
        Assert.Equal([1L, 2L, 2L], ops.Select(o => o.GetProperty("version").GetInt64()));
    }

    private static async Task<string> IdOf(McpClient client, object arguments) =>
        (await client.CallAsync("remember", arguments)).GetProperty("memory").Str("id");

    private static List<string> Ids(JsonElement recall) =>
        recall.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("memory").Str("id")).ToList();

    private static List<string> EventIds(JsonElement timeline) =>
        timeline.GetProperty("events").EnumerateArray().Select(e => e.Str("id")).ToList();
}
