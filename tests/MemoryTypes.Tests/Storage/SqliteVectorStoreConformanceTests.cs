using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>Runs the shared vector store conformance suite against <see cref="SqliteVectorStore"/>, each test on a fresh temp file.</summary>
public sealed class SqliteVectorStoreConformanceTests : VectorStoreConformanceTests
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kmp-sqlite-conf-" + Guid.NewGuid().ToString("N"));

    private string DatabasePath => Path.Combine(_directory, "store.db");

    protected override Task<VectorStore> CreateStoreAsync()
    {
        Directory.CreateDirectory(_directory);
        return Task.FromResult<VectorStore>(new SqliteVectorStore(DatabasePath));
    }

    protected override Task<VectorStore?> ReopenStoreAsync() => Task.FromResult<VectorStore?>(new SqliteVectorStore(DatabasePath));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public void GetService_ReportsTheSqliteSystemName()
    {
        var metadata = Assert.IsType<VectorStoreMetadata>(Store.GetService(typeof(VectorStoreMetadata)));

        Assert.Equal("kmp-sqlite", metadata.VectorStoreSystemName);
        Assert.Equal("store.db", metadata.VectorStoreName);
    }
}
