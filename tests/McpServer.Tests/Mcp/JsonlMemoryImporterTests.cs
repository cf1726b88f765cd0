using System.Text;
using KernelMemoryPlus.Server.Mcp.KnowledgeGraph;
using Microsoft.Extensions.DependencyInjection;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The importer of the reference server's memory.jsonl, against an in-memory engine.</summary>
public sealed class JsonlMemoryImporterTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services.BuildServiceProvider();

    private MemoryEngine Engine => _services.GetRequiredService<MemoryEngine>();

    private SemanticMemory Semantic => _services.GetRequiredService<SemanticMemory>();

    [Fact]
    public async Task ImportAsync_SampleFile_ImportsTheGoodLinesAndReportsEveryBadLineWithItsNumber()
    {
        var importer = new JsonlMemoryImporter(Engine, Semantic);

        var result = await importer.ImportAsync(Stream(SampleJsonl.Text), "imported", TestContext.Current.CancellationToken);

        Assert.Equal(12, result.Lines);
        Assert.Equal(3, result.EntitiesCreated);
        Assert.Equal(0, result.EntitiesMerged);
        Assert.Equal(5, result.ObservationsAdded);
        Assert.Equal(2, result.RelationsCreated);
        Assert.Equal(SampleJsonl.Errors.Select(e => e.Line), result.Errors.Select(e => e.Line));
        foreach (var (line, says) in SampleJsonl.Errors)
        {
            Assert.Contains(says, result.Errors.Single(e => e.Line == line).Message, StringComparison.OrdinalIgnoreCase);
        }

        var graph = await new KnowledgeGraphStore(Engine, Semantic).ReadGraphAsync("imported", TestContext.Current.CancellationToken);
        Assert.Equal(["Alice", "Acme", "Bob"], graph.Entities.Select(e => e.Name));
        Assert.Equal("person", graph.Entities[2].EntityType); // Bob's own line wins over the relation that named him first
        Assert.Equal(["new hire", "likes tea"], graph.Entities[2].Observations);
        Assert.Equal([("Alice", "Acme", "works_at"), ("Bob", "Alice", "reports_to")], graph.Relations.Select(r => (r.From, r.To, r.RelationType)));
    }

    [Fact]
    public async Task ImportAsync_SameFileTwice_AddsNothingTheSecondTime()
    {
        var importer = new JsonlMemoryImporter(Engine, Semantic);
        await importer.ImportAsync(Stream(SampleJsonl.Text), "twice", TestContext.Current.CancellationToken);
        long sequence = Engine.LastSequence;

        var again = await importer.ImportAsync(Stream(SampleJsonl.Text), "twice", TestContext.Current.CancellationToken);

        Assert.Equal(0, again.EntitiesCreated);
        Assert.Equal(3, again.EntitiesMerged);
        Assert.Equal(0, again.ObservationsAdded);
        Assert.Equal(0, again.RelationsCreated);
        Assert.Equal(2, again.RelationsSkipped);
        Assert.Equal(sequence, Engine.LastSequence);
    }

    [Fact]
    public async Task ImportAsync_MergesNewObservationsIntoExistingEntities_AndSkipsAByteOrderMark()
    {
        var importer = new JsonlMemoryImporter(Engine, Semantic);
        await Semantic.UpsertEntityAsync("merge", "alice", "person", ["likes tea"], cancellationToken: TestContext.Current.CancellationToken);
        var file = "\uFEFF" + """{"type":"entity","name":"Alice","entityType":"person","observations":["likes tea","plays chess"]}""";

        var result = await importer.ImportAsync(Stream(file), "merge", TestContext.Current.CancellationToken);

        Assert.Empty(result.Errors);
        Assert.Equal(1, result.EntitiesMerged);
        Assert.Equal(1, result.ObservationsAdded);
        var entity = await Semantic.GetEntityAsync("merge", "Alice", cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(["likes tea", "plays chess"], entity!.Facts.Select(f => f.Object).Order());
    }

    [Fact]
    public async Task ImportAsync_InvalidNamespace_Throws()
    {
        var importer = new JsonlMemoryImporter(Engine, Semantic);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => importer.ImportAsync(Stream(SampleJsonl.Text), "../etc", TestContext.Current.CancellationToken));

        Assert.Equal("namespace", ex.Field);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private static MemoryStream Stream(string text) => new(Encoding.UTF8.GetBytes(text));
}
