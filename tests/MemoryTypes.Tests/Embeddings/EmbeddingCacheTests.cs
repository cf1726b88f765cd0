using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Tests.Embeddings;

public sealed class EmbeddingCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SecondIdenticalRequest_DoesNotReachTheServer()
    {
        await using var server = new FakeOllamaServer();
        using var generator = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint }));

        var first = await generator.GenerateAsync(["remember the milk"], cancellationToken: Ct);
        var second = await generator.GenerateAsync(["remember the milk"], cancellationToken: Ct);

        Assert.Single(server.Requests);
        Assert.Equal(first[0].Vector.ToArray(), second[0].Vector.ToArray());
    }

    [Fact]
    public async Task Batch_SendsOnlyTheMisses()
    {
        await using var server = new FakeOllamaServer();
        using var generator = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint }));
        await generator.GenerateAsync(["a", "b"], cancellationToken: Ct);

        var result = await generator.GenerateAsync(["a", "c", "b"], cancellationToken: Ct);

        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(["c"], server.Requests.Last().Inputs);
        Assert.Equal(FakeOllamaServer.VectorFor("c", 8), result[1].Vector.ToArray());
        Assert.Equal(FakeOllamaServer.VectorFor("b", 8), result[2].Vector.ToArray());
    }

    [Fact]
    public async Task AnotherModel_DoesNotHitTheFirstModelsEntries_InASharedStore()
    {
        await using var server = new FakeOllamaServer();
        var store = EmbeddingCache.CreateDefaultStore();
        using var minilm = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "all-minilm" }), store);
        using var nomic = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "nomic-embed-text" }), store);

        await minilm.GenerateAsync(["same text"], cancellationToken: Ct);
        var other = await nomic.GenerateAsync(["same text"], cancellationToken: Ct);

        Assert.Equal(["all-minilm", "nomic-embed-text"], server.Requests.Select(r => r.Model));
        Assert.Equal("nomic-embed-text", other[0].ModelId);
    }

    [Fact]
    public async Task SameModel_InAnotherProcess_SharesTheStore()
    {
        // Two generators over one store stand for two processes over one Redis.
        await using var server = new FakeOllamaServer();
        var store = EmbeddingCache.CreateDefaultStore();
        using var first = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint }), store);
        using var second = EmbeddingCache.Create(OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint }), store);

        await first.GenerateAsync(["shared"], cancellationToken: Ct);
        await second.GenerateAsync(["shared"], cancellationToken: Ct);

        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task BuilderExtension_AddsTheCache_AndMetadataPassesThrough()
    {
        await using var server = new FakeOllamaServer();
        using var generator = new EmbeddingGeneratorBuilder<string, Embedding<float>>(
                OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "bge-m3" }))
            .UseKernelMemoryPlusEmbeddingCache()
            .Build();

        await generator.GenerateAsync(["x"], cancellationToken: Ct);
        await generator.GenerateAsync(["x"], cancellationToken: Ct);

        Assert.Single(server.Requests);
        Assert.Equal("bge-m3", generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    [Fact]
    public async Task OfflineVectors_RoundTripThroughTheCacheUnchanged()
    {
        using var offline = new OfflineEmbeddingGenerator();
        using var cached = EmbeddingCache.Create(offline);

        await cached.GenerateAsync(["exact floats"], cancellationToken: Ct);
        var fromCache = await cached.GenerateAsync(["exact floats"], cancellationToken: Ct);

        Assert.Equal(offline.Embed("exact floats"), fromCache[0].Vector.ToArray());
    }

    [Fact]
    public void NonPositiveSizeLimit_IsRejected_NamingTheSetting()
    {
        var ex = Assert.Throws<ArgumentException>(() => EmbeddingCache.CreateDefaultStore(new EmbeddingCacheOptions { SizeLimitBytes = 0 }));

        Assert.Contains("EmbeddingCacheOptions.SizeLimitBytes", ex.Message, StringComparison.Ordinal);
    }
}
