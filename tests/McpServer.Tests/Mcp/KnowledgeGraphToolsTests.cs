using System.Text.Json;
using ModelContextProtocol.Client;
using static KernelMemoryPlus.Server.Tests.Mcp.McpAssert;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The toolset compatible with the reference MCP memory server, over Streamable HTTP.</summary>
public sealed class KnowledgeGraphToolsTests
{
    public static readonly string[] ReferenceTools =
    [
        "create_entities", "create_relations", "add_observations", "delete_entities", "delete_observations",
        "delete_relations", "read_graph", "search_nodes", "open_nodes",
    ];

    [Fact]
    public async Task ReferenceToolset_RoundTrip_MatchesTheReferenceServersShapesAndRules()
    {
        await using var server = McpTestServer.Start();
        await using var client = await server.ConnectAsync();

        // create_entities returns only the entities that are new, as JSON text and as structured content.
        var created = await client.CallToolAsync("create_entities", Arguments(new
        {
            entities = new object[]
            {
                new { name = "Alice", entityType = "person", observations = new[] { "works at Acme", "likes tea" } },
                new { name = "Acme", entityType = "company", observations = new[] { "makes anvils" } },
            },
        }), cancellationToken: Token);
        var again = await client.CallAsync("create_entities", new
        {
            entities = new object[]
            {
                new { name = "Alice", entityType = "person", observations = Array.Empty<string>() },
                new { name = "Bob", entityType = "person", observations = new[] { "new hire" } },
            },
        });

        Assert.Equal(2, JsonDocument.Parse(Text(created)).RootElement.GetArrayLength());
        var alice = created.StructuredContent!.Value.GetProperty("entities")[0];
        Assert.Equal(["name", "entityType", "observations"], alice.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["works at Acme", "likes tea"], Strings(alice.GetProperty("observations")));
        Assert.Equal(["Bob"], again.GetProperty("entities").EnumerateArray().Select(e => e.Str("name")));

        // create_relations returns only new relations; relation types are stored in lower snake case.
        var relations = await client.CallAsync("create_relations", new
        {
            relations = new object[]
            {
                new { from = "Alice", to = "Acme", relationType = "works_at" },
                new { from = "Bob", to = "Alice", relationType = "reports to" },
            },
        });
        var repeated = await client.CallAsync("create_relations", new { relations = new object[] { new { from = "Alice", to = "Acme", relationType = "works_at" } } });
        Assert.Equal(["works_at", "reports_to"], relations.GetProperty("relations").EnumerateArray().Select(r => r.Str("relationType")));
        Assert.Equal(0, repeated.GetProperty("relations").GetArrayLength());

        // add_observations adds only what is new; an unknown entity fails the whole call with the reference's message.
        var added = await client.CallAsync("add_observations", new { observations = new object[] { new { entityName = "Alice", contents = new[] { "speaks French", "likes tea" } } } });
        var unknown = await client.CallFailingAsync("add_observations", new { observations = new object[] { new { entityName = "Bob", contents = new[] { "x" } }, new { entityName = "Zed", contents = new[] { "y" } } } });
        var result = added.GetProperty("results")[0];
        Assert.Equal("Alice", result.Str("entityName"));
        Assert.Equal(["speaks French"], Strings(result.GetProperty("addedObservations")));
        Assert.Contains("Entity with name Zed not found", unknown);

        var graph = await client.CallAsync("read_graph");
        Assert.Equal(["Alice", "Acme", "Bob"], graph.GetProperty("entities").EnumerateArray().Select(e => e.Str("name")));
        Assert.Equal(["works at Acme", "likes tea", "speaks French"], Strings(graph.GetProperty("entities")[0].GetProperty("observations")));
        Assert.Equal(["new hire"], Strings(graph.GetProperty("entities")[2].GetProperty("observations"))); // the failed call added nothing
        Assert.Equal(2, graph.GetProperty("relations").GetArrayLength());

        // search_nodes: ranked, typo tolerant, with the relations touching the hits.
        var anvils = await client.CallAsync("search_nodes", new { query = "anvils" });
        var typo = await client.CallAsync("search_nodes", new { query = "frensh" });
        var substring = await client.CallAsync("search_nodes", new { query = "ali" });
        var nothing = await client.CallAsync("search_nodes", new { query = "quantum chromodynamics" });
        Assert.Equal(["Acme"], Names(anvils));
        Assert.Equal([("Alice", "Acme", "works_at")], Relations(anvils));
        Assert.Equal("Alice", Names(typo)[0]);
        Assert.Equal(["Alice"], Names(substring));
        Assert.Empty(Names(nothing));

        var opened = await client.CallAsync("open_nodes", new { names = new[] { "Bob", "Nobody" } });
        Assert.Equal(["Bob"], Names(opened));
        Assert.Equal([("Bob", "Alice", "reports_to")], Relations(opened));

        // The delete tools answer as the reference does and ignore what does not exist.
        var deletedObservations = await client.CallToolAsync("delete_observations", Arguments(new { deletions = new object[] { new { entityName = "Alice", observations = new[] { "likes tea", "never said" } } } }), cancellationToken: Token);
        var deletedRelations = await client.CallAsync("delete_relations", new { relations = new object[] { new { from = "Bob", to = "Alice", relationType = "reports to" } } });
        var deletedEntities = await client.CallAsync("delete_entities", new { entityNames = new[] { "Acme", "Nobody" } });
        Assert.Equal("Observations deleted successfully", Text(deletedObservations));
        Assert.True(deletedObservations.StructuredContent!.Value.GetProperty("success").GetBoolean());
        Assert.Equal("Relations deleted successfully", deletedRelations.Str("message"));
        Assert.Equal("Entities deleted successfully", deletedEntities.Str("message"));

        var final = await client.CallAsync("read_graph");
        Assert.Equal(["Alice", "Bob"], Names(final));
        Assert.Equal(["works at Acme", "speaks French"], Strings(final.GetProperty("entities")[0].GetProperty("observations")));
        Assert.Equal(0, final.GetProperty("relations").GetArrayLength()); // Alice→Acme went with Acme, Bob→Alice was deleted
        Assert.Equal(final, JsonDocument.Parse(Text(await client.CallToolAsync("read_graph", cancellationToken: Token))).RootElement, JsonElement.DeepEquals);
    }

    [Fact]
    public async Task SearchNodes_RanksTheEntityOfThatName_ThenNamesHoldingIt_ThenOtherMentions_ThenRankedMatches()
    {
        await using var server = McpTestServer.Start();
        await using var client = await server.ConnectAsync();
        await client.CallAsync("create_entities", new
        {
            entities = new object[]
            {
                // Created in an order that is none of the expected ones.
                new { name = "Tortoise Integration Team", entityType = "team", observations = new[] { "Owns the tortoise integration rollout" } },
                new { name = "Alice", entityType = "person", observations = new[] { "Leads Tortoise Integration since 2021", "Tortoise Integration reviews on Fridays" } },
                new { name = "Tortoise Integratoin Notes", entityType = "document", observations = new[] { "A name with a typo" } },
                new { name = "Tortoise Integration", entityType = "project", observations = new[] { "Started in 2021" } },
                new { name = "Bob", entityType = "person", observations = new[] { "Works on billing" } },
            },
        });

        var found = Names(await client.CallAsync("search_nodes", new { query = "tortoise integration" }));

        Assert.Equal(["Tortoise Integration", "Tortoise Integration Team", "Alice"], found.Take(3));
        Assert.Equal("Tortoise Integratoin Notes", found[3]); // no mention as written: a ranked match on "tortoise"
        Assert.DoesNotContain("Bob", found);
    }

    [Fact]
    public async Task Observations_LongerThanAFactsObject_RoundTripExactly()
    {
        await using var server = McpTestServer.Start();
        await using var client = await server.ConnectAsync();
        var longObservation = string.Join("\n", Enumerable.Range(1, 40).Select(i => $"Line {i} of the meeting notes, with \"quotes\" and details."));

        await client.CallAsync("create_entities", new { entities = new object[] { new { name = "Meeting", entityType = "event", observations = new[] { longObservation } } } });
        var graph = await client.CallAsync("read_graph");

        Assert.True(longObservation.Length > 512);
        Assert.Equal([longObservation], Strings(graph.GetProperty("entities")[0].GetProperty("observations")));
    }

    [Fact]
    public async Task GraphResults_WithHostileText_AreTheSameJsonInTheTextBlockAndTheStructuredContent()
    {
        await using var server = McpTestServer.Start();
        await using var client = await server.ConnectAsync();
        Assert.True(KernelMemoryPlus.Server.Mcp.PreSerializedResults.IsAvailable, "graph results are no longer written once: the SDK's serializer context was not found");

        string[] observations =
        [
            "quotes \"double\" and 'single', a back\\slash, a tab\t and a newline\n",
            "controls \u0001\u001f, NUL-free; line separators \u2028 \u2029",
            "non-ASCII: é ß Ж 漢字 and an emoji 😀",
            "markup: </script><b>&amp;</b> {\"json\": [1, 2]}",
        ];
        await client.CallAsync("create_entities", new { entities = new object[] { new { name = "Hostile \"Name\" ✓", entityType = "test", observations } } });

        foreach (var (tool, arguments) in new (string, object?)[]
        {
            ("read_graph", null),
            ("search_nodes", new { query = "Hostile" }),
            ("open_nodes", new { names = new[] { "Hostile \"Name\" ✓" } }),
        })
        {
            var result = await client.CallToolAsync(tool, Arguments(arguments), cancellationToken: Token);
            Assert.True(result.IsError != true, $"{tool}: {Text(result)}");
            var text = JsonDocument.Parse(Text(result)).RootElement;
            Assert.True(JsonElement.DeepEquals(text, result.StructuredContent!.Value), tool);
            var entity = Assert.Single(text.GetProperty("entities").EnumerateArray());
            Assert.Equal("Hostile \"Name\" ✓", entity.Str("name"));
            Assert.Equal(observations, Strings(entity.GetProperty("observations")));
        }
    }

    [Fact]
    public async Task GraphNamespace_IsConfigurable_AndImportToolLoadsAMemoryFile()
    {
        await using var server = McpTestServer.Start(new Dictionary<string, string?> { ["KernelMemoryPlus:Mcp:GraphNamespace"] = "team/graph" });
        await using var client = await server.ConnectAsync();

        var imported = await client.CallToolAsync("import_knowledge_graph", Arguments(new { jsonl = SampleJsonl.Text }), cancellationToken: Token);
        var graph = await client.CallAsync("read_graph");
        var stats = await client.CallAsync("memory_stats", new { @namespace = "team/graph" });

        var summary = imported.StructuredContent!.Value;
        Assert.Equal(3, summary.GetProperty("entitiesCreated").GetInt32());
        Assert.Equal(2, summary.GetProperty("relationsCreated").GetInt32());
        Assert.Equal(SampleJsonl.Errors.Select(e => e.Line), summary.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("line").GetInt32()));
        Assert.Contains("line 3:", Text(imported));
        Assert.Equal(["Alice", "Acme", "Bob"], Names(graph));
        Assert.True(stats.GetProperty("memories").GetInt32() >= 8); // 3 entities + 5 observations
    }

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

    private static List<string> Names(JsonElement graph) => graph.GetProperty("entities").EnumerateArray().Select(e => e.Str("name")).ToList();

    private static List<(string, string, string)> Relations(JsonElement graph) =>
        graph.GetProperty("relations").EnumerateArray().Select(r => (r.Str("from"), r.Str("to"), r.Str("relationType"))).ToList();
}
