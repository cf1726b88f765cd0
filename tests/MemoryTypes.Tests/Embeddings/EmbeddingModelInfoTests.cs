using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;
using Moq;

namespace KernelMemoryPlus.Tests.Embeddings;

public sealed class EmbeddingModelInfoTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DescribeAsync_Offline_ReadsMetadataWithoutEmbedding()
    {
        using var generator = new OfflineEmbeddingGenerator(new OfflineEmbeddingOptions { Dimensions = 256 });

        var info = await EmbeddingModelInfo.DescribeAsync(generator, Ct);

        Assert.Equal(new EmbeddingModelInfo("kmp-offline-v1", 256), info);
    }

    [Fact]
    public async Task DescribeAsync_UnknownDimensions_ProbesOnce()
    {
        var generator = new Mock<IEmbeddingGenerator<string, Embedding<float>>>(MockBehavior.Strict);
        generator.Setup(g => g.GetService(typeof(EmbeddingGeneratorMetadata), null))
            .Returns(new EmbeddingGeneratorMetadata("custom", null, "my-model", null));
        generator.Setup(g => g.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedEmbeddings<Embedding<float>>([new Embedding<float>(new float[5])]));

        var info = await EmbeddingModelInfo.DescribeAsync(generator.Object, Ct);

        Assert.Equal(new EmbeddingModelInfo("my-model", 5), info);
        generator.Verify(g => g.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task DescribeAsync_NoMetadata_TakesTheModelIdFromTheProbe()
    {
        var generator = new Mock<IEmbeddingGenerator<string, Embedding<float>>>();
        generator.Setup(g => g.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedEmbeddings<Embedding<float>>([new Embedding<float>(new float[7]) { ModelId = "probe-model" }]));

        var info = await EmbeddingModelInfo.DescribeAsync(generator.Object, Ct);

        Assert.Equal(new EmbeddingModelInfo("probe-model", 7), info);
    }

    [Fact]
    public async Task DescribeAsync_EmptyProbe_Throws()
    {
        var generator = new Mock<IEmbeddingGenerator<string, Embedding<float>>>();
        generator.Setup(g => g.GenerateAsync(It.IsAny<IEnumerable<string>>(), It.IsAny<EmbeddingGenerationOptions?>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new GeneratedEmbeddings<Embedding<float>>());

        await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddingModelInfo.DescribeAsync(generator.Object, Ct));
    }

    [Fact]
    public void Constructor_RejectsEmptyIdAndNonPositiveDimensions()
    {
        Assert.Throws<ArgumentException>(() => new EmbeddingModelInfo(" ", 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new EmbeddingModelInfo("m", 0));
    }

    [Fact]
    public void IsCompatibleWith_IgnoresCaseAndLatestTag_ButNotOtherTags()
    {
        var minilm = new EmbeddingModelInfo("all-minilm", 384);

        Assert.True(minilm.IsCompatibleWith(new EmbeddingModelInfo("All-MiniLM:latest", 384)));
        Assert.False(minilm.IsCompatibleWith(new EmbeddingModelInfo("all-minilm:l12", 384)));
        Assert.Equal("'all-minilm' (384 dimensions)", minilm.ToString());
    }
}
