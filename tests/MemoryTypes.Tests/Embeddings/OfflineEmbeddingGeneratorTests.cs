using System.Numerics.Tensors;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Tests.Embeddings;

public sealed class OfflineEmbeddingGeneratorTests
{
    private static readonly OfflineEmbeddingGenerator s_generator = new();

    // The first non-zero entries of the vector of "Alice's birthday is on March 3rd" with the default options.
    private static readonly int[] GoldenIndices = [2, 3, 10, 21, 25, 28];

    private static readonly float[] GoldenValues = [0.06399596f, 0.08261843f, -0.06399596f, 0.08261843f, 0.06399596f, -0.034253325f];

    private static float Cosine(string a, string b) =>
        TensorPrimitives.CosineSimilarity(s_generator.Embed(a), s_generator.Embed(b));

    [Fact]
    public void Embed_SameText_GivesIdenticalVectorsAcrossInstances()
    {
        var first = new OfflineEmbeddingGenerator().Embed("The user prefers dark mode in the editor");
        var second = new OfflineEmbeddingGenerator().Embed("The user prefers dark mode in the editor");

        Assert.Equal(first, second);
    }

    [Fact]
    public void Embed_IsStableAcrossProcessesAndMachines()
    {
        // Pinned values: stored vectors must keep matching new ones, so any change to the hashing or weighting that
        // moves these numbers needs a new model id (OfflineEmbeddingGenerator.DefaultModelId), not a new pin.
        var vector = s_generator.Embed("Alice's birthday is on March 3rd");

        var nonZero = vector.Select((v, i) => (v, i)).Where(p => p.v != 0).Take(6).ToArray();
        Assert.Equal(GoldenIndices, nonZero.Select(p => p.i).ToArray());
        Assert.Equal(GoldenValues, nonZero.Select(p => p.v).ToArray(), (a, b) => Math.Abs(a - b) < 1e-5f);
    }

    [Theory]
    [InlineData("The user prefers dark mode in the editor")]
    [InlineData("a")]
    [InlineData("")]
    [InlineData("   \t\n")]
    [InlineData("?!... 🎉")]
    [InlineData("我们明天下午三点在会议室开会讨论项目预算和时间安排以及下一阶段的工作分配问题请大家准时参加会议并提前准备好相关材料谢谢大家的配合")]
    [InlineData("the the the the the")]
    public void Embed_GivesFiniteUnitVector(string text)
    {
        var vector = s_generator.Embed(text);

        Assert.Equal(OfflineEmbeddingOptions.DefaultDimensions, vector.Length);
        Assert.All(vector, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(1.0, TensorPrimitives.Norm<float>(vector), 4);
    }

    [Fact]
    public void Embed_LongText_GivesFiniteUnitVector()
    {
        var text = string.Join(' ', Enumerable.Range(0, 5000).Select(i => $"word{i % 300} meeting{i % 7}"));

        var vector = s_generator.Embed(text);

        Assert.Equal(1.0, TensorPrimitives.Norm<float>(vector), 4);
    }

    [Fact]
    public void Embed_EmptyAndWhitespace_GiveTheSameFixedVector_UnlikeRealText()
    {
        Assert.Equal(s_generator.Embed(""), s_generator.Embed("  \n "));
        Assert.True(Cosine("", "hello") < 0.2f);
    }

    [Fact]
    public void Options_SetDimensionsAndMetadata()
    {
        using var generator = new OfflineEmbeddingGenerator(new OfflineEmbeddingOptions { Dimensions = 128 });

        Assert.Equal(128, generator.Embed("hello world").Length);
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("kmp-offline-v1", metadata.DefaultModelId);
        Assert.Equal(128, metadata.DefaultModelDimensions);
    }

    [Fact]
    public void DefaultMetadata_Is384DimensionsOfKmpOfflineV1()
    {
        var metadata = (EmbeddingGeneratorMetadata?)s_generator.GetService(typeof(EmbeddingGeneratorMetadata));

        Assert.Equal("kmp-offline-v1", metadata?.DefaultModelId);
        Assert.Equal(384, metadata?.DefaultModelDimensions);
    }

    [Fact]
    public void Seed_ChangesVectorsAndModelId()
    {
        using var seeded = new OfflineEmbeddingGenerator(new OfflineEmbeddingOptions { Seed = 42 });

        Assert.Equal("kmp-offline-v1+seed=42", seeded.ModelId);
        Assert.True(TensorPrimitives.CosineSimilarity(seeded.Embed("quarterly budget meeting"), s_generator.Embed("quarterly budget meeting")) < 0.5f);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(100_000)]
    public void Options_RejectOutOfRangeDimensions(int dimensions)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new OfflineEmbeddingGenerator(new OfflineEmbeddingOptions { Dimensions = dimensions }));
        Assert.Contains("OfflineEmbeddingOptions.Dimensions", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("The user prefers dark mode in the editor", "The user prefers dark mode in the editors")] // plural
    [InlineData("The user prefers dark mode in the editor", "The user prefers drak mode in the editor")] // typo
    [InlineData("The user prefers dark mode in the editor", "User likes dark mode for the editor")] // shared words
    [InlineData("Meeting with Bob about the quarterly budget", "Bob budget meetings, quarterly")] // reordered, inflected
    [InlineData("Alice's birthday is on March 3rd", "When is Alice's birthday?")]
    public void RelatedTexts_ScoreClearlyHigherThanUnrelated(string text, string related)
    {
        const string Unrelated = "The dentist appointment was moved to Thursday afternoon";

        float relatedScore = Cosine(text, related);
        float unrelatedScore = Cosine(text, Unrelated);

        Assert.True(relatedScore > 0.4f, $"related {relatedScore}");
        Assert.True(relatedScore > unrelatedScore + 0.3f, $"related {relatedScore} vs unrelated {unrelatedScore}");
    }

    [Fact]
    public void SingleWordVariants_OverlapMoreThanDifferentWords()
    {
        Assert.True(Cosine("meetings", "meeting") > 0.8f);
        Assert.True(Cosine("meeting", "meetnig") > Cosine("meeting", "invoice") + 0.1f); // typo: only character n-grams overlap
        Assert.True(Cosine("organize", "organization") > 0.25f); // morphology the light stemmer does not conflate
    }

    [Fact]
    public void CommonWords_WeighLessThanTopicWords()
    {
        // "user" appears in nearly every agent memory; sharing it must matter less than sharing a topic word.
        float sharedCommon = Cosine("the user ordered pizza", "the user booked flights");
        float sharedTopic = Cosine("the customer ordered pizza", "the manager liked pizza");

        Assert.True(sharedTopic > sharedCommon, $"topic {sharedTopic} vs common {sharedCommon}");
    }

    [Fact]
    public async Task GenerateAsync_ReturnsOneEmbeddingPerInput_WithModelId()
    {
        string[] texts = ["first text", "", "third text"];

        var result = await s_generator.GenerateAsync(texts, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, result.Count);
        Assert.All(result, e => Assert.Equal("kmp-offline-v1", e.ModelId));
        Assert.Equal(s_generator.Embed("third text"), result[2].Vector.ToArray());
    }

    [Fact]
    public async Task GenerateAsync_LazySequence_IsEmbeddedInOrder()
    {
        var result = await s_generator.GenerateAsync(Enumerable.Range(0, 3).Select(i => $"text {i}"), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(s_generator.Embed("text 1"), result[1].Vector.ToArray());
    }

    [Fact]
    public async Task GenerateAsync_OtherRequestedDimensions_Throws()
    {
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            s_generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 768 }, TestContext.Current.CancellationToken));
        Assert.Contains("768", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embed_IsThreadSafe()
    {
        var texts = Enumerable.Range(0, 2000).Select(i => $"memory {i} about topic{i % 13} and project{i % 17}").ToArray();
        var expected = texts.Select(t => new OfflineEmbeddingGenerator().Embed(t)).ToArray();

        var actual = new float[texts.Length][];
        Parallel.For(0, texts.Length, i => actual[i] = s_generator.Embed(texts[i]));

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i]);
        }
    }
}
