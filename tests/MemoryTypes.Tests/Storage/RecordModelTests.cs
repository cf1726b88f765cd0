using KernelMemoryPlus.Storage.Internal;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

public sealed class RecordModelTests
{
    private sealed class Note
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreVector(4)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    private sealed class NoKey
    {
        [VectorStoreData]
        public string Text { get; set; } = "";
    }

    [Fact]
    public void Build_FromAttributes_FindsKeyDataAndVector()
    {
        var model = RecordModel.Build(typeof(Note), null, null);

        Assert.Equal("Id", model.Key.Name);
        Assert.Equal("Text", Assert.Single(model.FullTextProperties).Name);
        Assert.Equal(4, Assert.Single(model.VectorProperties).Dimensions);
    }

    [Fact]
    public void Build_WithoutKey_ThrowsNamingTheType()
    {
        var ex = Assert.Throws<ArgumentException>(() => RecordModel.Build(typeof(NoKey), null, null));
        Assert.Contains("NoKey", ex.Message, StringComparison.Ordinal);
    }
}
