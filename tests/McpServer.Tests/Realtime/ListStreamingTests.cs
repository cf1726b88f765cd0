using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Realtime;

public sealed class ListStreamingTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task List_StreamsEveryMemoryOfTheNamespaceOnce_PageByPage()
    {
        await using var host = RealtimeHost.Start();
        var written = await Feed.WriteAsync(host.Engine, "library", 257);
        await Feed.WriteAsync(host.Engine, "other", 20);
        await using var client = await host.ConnectAsync(Token);

        await client.SendAsync(new { type = "list", id = "l1", @namespace = "library", pageSize = 10 });
        var (items, end) = await ReadListingAsync(client, "l1");

        Assert.Equal(257, end.GetProperty("count").GetInt64());
        Assert.False(end.GetProperty("cancelled").GetBoolean());
        Assert.Equal(written.Select(m => m.Id).Order(StringComparer.Ordinal), items.Select(i => i.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        var byId = written.ToDictionary(m => m.Id);
        Assert.All(items, item =>
        {
            var memory = byId[item.GetProperty("id").GetString()!];
            Assert.Equal("library", item.GetProperty("namespace").GetString());
            Assert.Equal(memory.Content, item.GetProperty("content").GetString());
            Assert.Equal("Episodic", item.GetProperty("kind").GetString());
            Assert.Equal("writer", item.GetProperty("author").GetString());
        });
    }

    [Fact]
    public async Task List_WithKindAndTag_StreamsOnlyMatchingMemories()
    {
        await using var host = RealtimeHost.Start();
        await Feed.WriteAsync(host.Engine, "mixed", 12);
        var facts = await host.Engine.RememberManyAsync(
            Enumerable.Range(0, 7).Select(i => new NewMemory { Namespace = "mixed", Content = $"fact {i}", Kind = MemoryKind.Semantic, Tags = i % 2 == 0 ? ["blue"] : ["red"] }).ToList(),
            Token);
        await using var client = await host.ConnectAsync(Token);

        await client.SendAsync(new { type = "list", id = 1, @namespace = "mixed", kind = "Semantic", pageSize = 3 });
        var (semantic, _) = await ReadListingAsync(client, 1);
        await client.SendAsync(new { type = "list", id = 2, @namespace = "mixed", kind = "semantic", tag = "BLUE" });
        var (blue, _) = await ReadListingAsync(client, 2);

        Assert.Equal(facts.Select(f => f.Id).Order(StringComparer.Ordinal), semantic.Select(i => i.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        Assert.Equal(facts.Where((_, i) => i % 2 == 0).Select(f => f.Id).Order(StringComparer.Ordinal), blue.Select(i => i.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_WhileMemoriesAreWritten_StreamsEachExistingMemoryExactlyOnce()
    {
        await using var host = RealtimeHost.Start();
        var existing = await Feed.WriteAsync(host.Engine, "busy", 300);
        await using var client = await host.ConnectAsync(Token);

        await client.SendAsync(new { type = "list", id = "during", @namespace = "busy", pageSize = 7 });
        var writer = Task.Run(
            async () =>
            {
                for (int i = 0; i < 20; i++)
                {
                    await Feed.WriteAsync(host.Engine, "busy", 10);
                }
            },
            Token);
        var (items, _) = await ReadListingAsync(client, "during");
        await writer;

        var ids = items.Select(i => i.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Subset(ids.ToHashSet(StringComparer.Ordinal), existing.Select(m => m.Id).ToHashSet(StringComparer.Ordinal));
    }

    [Fact]
    public async Task List_OfAnEmptyNamespace_EndsAtOnce()
    {
        await using var host = RealtimeHost.Start();
        await using var client = await host.ConnectAsync(Token);

        await client.SendAsync(new { type = "list", id = "none", @namespace = "nothing-here" });
        var end = await client.ExpectAsync("end");

        Assert.Equal("none", end.GetProperty("id").GetString());
        Assert.Equal(0, end.GetProperty("count").GetInt64());
    }

    /// <summary>Reads a listing's items until its end frame, whose count includes <paramref name="alreadyRead"/> items read before.</summary>
    internal static async Task<(List<JsonElement> Items, JsonElement End)> ReadListingAsync(RealtimeClient client, object id, int alreadyRead = 0)
    {
        var items = new List<JsonElement>();
        while (true)
        {
            var frame = await client.ReceiveAsync();
            Assert.False(frame.IsClose, "The server closed during the listing.");
            Assert.Equal(id.ToString(), frame.Json.GetProperty("id").ToString());
            if (frame.Type == "end")
            {
                Assert.Equal(items.Count + alreadyRead, frame.Json.GetProperty("count").GetInt64());
                return (items, frame.Json);
            }

            Assert.True(frame.Type == "item", $"Expected items then an end, got {frame.Json}");
            items.Add(frame.Json.GetProperty("memory"));
        }
    }
}
