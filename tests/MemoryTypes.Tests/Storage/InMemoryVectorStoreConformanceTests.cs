using KernelMemoryPlus.Storage.InMemory;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>Runs the shared vector store conformance suite against <see cref="InMemoryVectorStore"/>.</summary>
public sealed class InMemoryVectorStoreConformanceTests : VectorStoreConformanceTests
{
    protected override Task<VectorStore> CreateStoreAsync() => Task.FromResult<VectorStore>(new InMemoryVectorStore());

    [Fact]
    public void GetService_ReportsTheInMemorySystemName()
    {
        var metadata = Assert.IsType<VectorStoreMetadata>(Store.GetService(typeof(VectorStoreMetadata)));

        Assert.Equal("kmp-inmemory", metadata.VectorStoreSystemName);
    }
}
