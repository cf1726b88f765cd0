using KernelMemoryPlus.Embeddings;

namespace KernelMemoryPlus.Tests.Embeddings;

public sealed class EmbeddingMismatchExceptionTests
{
    [Fact]
    public void EnsureCompatible_DifferentModelAndDimensions_NamesBothAndTheFix()
    {
        var stored = new EmbeddingModelInfo("kmp-offline-v1", 384);
        var configured = new EmbeddingModelInfo("nomic-embed-text", 768);

        var ex = Assert.Throws<EmbeddingMismatchException>(() => EmbeddingMismatchException.EnsureCompatible(stored, configured, "data folder /var/kmp"));

        Assert.Contains("'kmp-offline-v1' (384 dimensions)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'nomic-embed-text' (768 dimensions)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("/var/kmp", ex.Message, StringComparison.Ordinal);
        Assert.Contains("reindex", ex.Message, StringComparison.Ordinal);
        Assert.Contains("new, empty data folder", ex.Message, StringComparison.Ordinal);
        Assert.Equal(stored, ex.Expected);
        Assert.Equal("nomic-embed-text", ex.ActualModelId);
        Assert.Equal(768, ex.ActualDimensions);
    }

    [Fact]
    public void EnsureCompatible_SameDimensionsButAnotherModel_StillThrows()
    {
        var ex = Assert.Throws<EmbeddingMismatchException>(() => EmbeddingMismatchException.EnsureCompatible(
            new EmbeddingModelInfo("all-minilm", 384),
            new EmbeddingModelInfo("kmp-offline-v1", 384),
            "store"));

        Assert.Contains("'all-minilm' (384 dimensions)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'kmp-offline-v1' (384 dimensions)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureCompatible_SameModel_Passes()
    {
        EmbeddingMismatchException.EnsureCompatible(new EmbeddingModelInfo("all-minilm", 384), new EmbeddingModelInfo("all-minilm", 384), "store");
        EmbeddingMismatchException.EnsureCompatible(new EmbeddingModelInfo("all-minilm", 384), new EmbeddingModelInfo("all-minilm:latest", 384), "store");
    }

    [Fact]
    public void EnsureCompatible_SameModelOtherDimensions_Throws()
    {
        var ex = Assert.Throws<EmbeddingMismatchException>(() => EmbeddingMismatchException.EnsureCompatible(
            new EmbeddingModelInfo("kmp-offline-v1", 384),
            new EmbeddingModelInfo("kmp-offline-v1", 256),
            "store"));

        Assert.Contains("384", ex.Message, StringComparison.Ordinal);
        Assert.Contains("256", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureDimensions_ChecksTheVectorLength()
    {
        var model = new EmbeddingModelInfo("all-minilm", 4);
        EmbeddingMismatchException.EnsureDimensions(new float[4], model);

        var ex = Assert.Throws<EmbeddingMismatchException>(() => EmbeddingMismatchException.EnsureDimensions(new float[3], model));

        Assert.Contains("3 dimensions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'all-minilm' produces 4", ex.Message, StringComparison.Ordinal);
        Assert.Equal(3, ex.ActualDimensions);
    }
}
