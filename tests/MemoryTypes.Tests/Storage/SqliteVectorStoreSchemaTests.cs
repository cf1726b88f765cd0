using KernelMemoryPlus.Storage;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>Opening files: WAL, migrations, and refusing files that are not usable KernelMemoryPlus databases without touching them.</summary>
public sealed class SqliteVectorStoreSchemaTests : IDisposable
{
    private const long KmpApplicationId = 0x4B4D5031;

    private readonly SqliteTestFiles _files = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed class Doc4
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreVector(4)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    /// <summary>Same names as <see cref="Doc4"/>, another dimension.</summary>
    public sealed class Doc8
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreVector(8)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    /// <summary>A subset of <see cref="Doc4"/>'s columns.</summary>
    public sealed class DocTextOnly
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public string Text { get; set; } = "";
    }

    /// <summary>A column <see cref="Doc4"/> does not have.</summary>
    public sealed class DocWithExtra
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public string? Extra { get; set; }
    }

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Open_NewFile_UsesWalAndSynchronousNormal_AndMarksTheFile()
    {
        var path = _files.PathOf("new.db");
        await using (var store = new SqliteVectorStore(path))
        {
            var docs = store.GetCollection<string, Doc4>("docs");
            await docs.EnsureCollectionExistsAsync(Ct);
            await docs.UpsertAsync(new Doc4 { Id = "a", Text = "x", Embedding = new float[] { 1, 0, 0, 0 } }, Ct);

            Assert.Equal("wal", SqliteTestFiles.Scalar(store.Connections.Writer.Connection, "PRAGMA journal_mode"));
            Assert.Equal(1L, SqliteTestFiles.Scalar(store.Connections.Writer.Connection, "PRAGMA synchronous"));
            Assert.Equal(1L, SqliteTestFiles.Scalar(store.Connections.Writer.Connection, "PRAGMA foreign_keys"));
            Assert.True(File.Exists(path + "-wal"), "A WAL-mode database has a -wal file while it is open.");
        }

        using var raw = SqliteTestFiles.OpenRaw(path, SqliteOpenMode.ReadOnly);
        Assert.Equal("wal", SqliteTestFiles.Scalar(raw, "PRAGMA journal_mode"));
        Assert.Equal(KmpApplicationId, SqliteTestFiles.Scalar(raw, "PRAGMA application_id"));
        Assert.Equal(1L, SqliteTestFiles.Scalar(raw, "PRAGMA user_version"));
    }

    [Fact]
    public void Open_WithSynchronousFull_SetsIt()
    {
        using var store = new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = _files.PathOf("full.db"), Synchronous = SqliteSynchronousMode.Full });

        Assert.Equal(2L, SqliteTestFiles.Scalar(store.Connections.Writer.Connection, "PRAGMA synchronous"));
    }

    [Fact]
    public async Task Open_EmptyFile_RunsMigrationsFromScratch()
    {
        var path = _files.PathOf("empty.db");
        await File.WriteAllBytesAsync(path, [], Ct);

        await using (var store = new SqliteVectorStore(path))
        {
            Assert.Empty(await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
            await store.GetCollection<string, Doc4>("docs").EnsureCollectionExistsAsync(Ct);
        }

        using var raw = SqliteTestFiles.OpenRaw(path, SqliteOpenMode.ReadOnly);
        Assert.Equal(KmpApplicationId, SqliteTestFiles.Scalar(raw, "PRAGMA application_id"));
        Assert.Equal(1L, SqliteTestFiles.Scalar(raw, "PRAGMA user_version"));
        Assert.Equal("docs", SqliteTestFiles.Scalar(raw, "SELECT name FROM kmp_collections"));
    }

    [Fact]
    public async Task Open_EmptySqliteDatabaseWithoutTables_IsAdopted()
    {
        var path = _files.PathOf("blank.db");
        using (var raw = SqliteTestFiles.OpenRaw(path))
        {
            // Writing a pragma materializes a valid, table-less SQLite file.
            SqliteTestFiles.Execute(raw, "PRAGMA page_size = 8192; VACUUM;");
        }

        Assert.True(new FileInfo(path).Length > 0);
        await using var store = new SqliteVectorStore(path);
        Assert.Empty(await store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Open_NewerSchemaVersion_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("newer.db");
        await using (var store = new SqliteVectorStore(path))
        {
            await store.GetCollection<string, Doc4>("docs").EnsureCollectionExistsAsync(Ct);
        }

        using (var raw = SqliteTestFiles.OpenRaw(path))
        {
            SqliteTestFiles.Execute(raw, "PRAGMA user_version = 99");
        }

        var before = SqliteTestFiles.Hash(path);
        var error = Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));

        Assert.Contains("99", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("Upgrade", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(path, error.FilePath);
        Assert.Equal(before, SqliteTestFiles.Hash(path));
    }

    [Fact]
    public async Task Open_RandomBytes_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("random.db");
        var bytes = new byte[64 * 1024];
        new Random(7).NextBytes(bytes);
        await File.WriteAllBytesAsync(path, bytes, Ct);

        var error = Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(path, Ct));
        Assert.False(File.Exists(path + "-wal"));
    }

    [Fact]
    public async Task Open_ShortTextFile_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("notes.txt");
        await File.WriteAllTextAsync(path, "hello, not a database", Ct);
        var before = SqliteTestFiles.Hash(path);

        Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));

        Assert.Equal(before, SqliteTestFiles.Hash(path));
    }

    [Fact]
    public void Open_AnotherApplicationsDatabase_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("other-app.db");
        using (var raw = SqliteTestFiles.OpenRaw(path))
        {
            SqliteTestFiles.Execute(raw, "PRAGMA application_id = 1234567; CREATE TABLE customers(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers(name) VALUES ('ada');");
        }

        var before = SqliteTestFiles.Hash(path);
        var error = Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));

        Assert.Contains("another application", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, SqliteTestFiles.Hash(path));
    }

    [Fact]
    public void Open_UnmarkedDatabaseWithTables_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("unmarked.db");
        using (var raw = SqliteTestFiles.OpenRaw(path))
        {
            SqliteTestFiles.Execute(raw, "CREATE TABLE things(id INTEGER PRIMARY KEY)");
        }

        var before = SqliteTestFiles.Hash(path);

        Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));
        Assert.Equal(before, SqliteTestFiles.Hash(path));
    }

    [Fact]
    public async Task Open_CorruptDatabase_IsRefused_AndFileLeftUntouched()
    {
        var path = _files.PathOf("corrupt.db");
        await using (var store = new SqliteVectorStore(path))
        {
            var docs = store.GetCollection<string, Doc4>("docs");
            await docs.EnsureCollectionExistsAsync(Ct);
            await docs.UpsertAsync(Enumerable.Range(0, 300).Select(i => new Doc4 { Id = "d" + i, Text = "text number " + i, Embedding = new float[] { i, 1, 2, 3 } }), Ct);
        }

        // Overwrite everything after the first two pages: the header stays valid, the b-trees do not.
        var bytes = await File.ReadAllBytesAsync(path, Ct);
        Assert.True(bytes.Length > 3 * 4096);
        var garbage = new Random(3);
        for (int i = 2 * 4096; i < bytes.Length; i++)
        {
            bytes[i] = (byte)garbage.Next(256);
        }

        await File.WriteAllBytesAsync(path, bytes, Ct);
        var before = SqliteTestFiles.Hash(path);

        var error = Assert.Throws<StoreSchemaException>(() => new SqliteVectorStore(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("backup", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(before, SqliteTestFiles.Hash(path));
    }

    [Fact]
    public async Task Reopen_WithAnotherVectorDimension_IsRefused_NamingBothDimensions()
    {
        var path = _files.PathOf("dims.db");
        await using (var store = new SqliteVectorStore(path))
        {
            var docs = store.GetCollection<string, Doc4>("docs");
            await docs.EnsureCollectionExistsAsync(Ct);
            await docs.UpsertAsync(new Doc4 { Id = "a", Text = "kept", Embedding = new float[] { 1, 2, 3, 4 } }, Ct);
        }

        await using (var store = new SqliteVectorStore(path))
        {
            var error = Assert.Throws<VectorStoreException>(() => store.GetCollection<string, Doc8>("docs"));

            Assert.Contains("4 dimensions", error.Message, StringComparison.Ordinal);
            Assert.Contains("8", error.Message, StringComparison.Ordinal);
            Assert.Contains("docs", error.Message, StringComparison.Ordinal);
            Assert.Equal("docs", error.CollectionName);

            var original = store.GetCollection<string, Doc4>("docs");
            var kept = await original.GetAsync("a", new() { IncludeVectors = true }, Ct);
            Assert.Equal(new float[] { 1, 2, 3, 4 }, kept!.Embedding.ToArray());
        }
    }

    [Fact]
    public async Task Collection_CreatedLaterWithAnotherShape_IsRefusedAtFirstUse()
    {
        await using var store = new SqliteVectorStore(_files.PathOf("late.db"));
        var eight = store.GetCollection<string, Doc8>("docs");
        var four = store.GetCollection<string, Doc4>("docs");
        await four.EnsureCollectionExistsAsync(Ct);

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => eight.UpsertAsync(new Doc8 { Id = "x", Embedding = new float[8] }, Ct));

        Assert.Contains("4 dimensions in the store but 8", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<VectorStoreException>(() => eight.EnsureCollectionExistsAsync(Ct));
    }

    [Fact]
    public async Task Collection_OpenedWithASubsetOfColumns_Works_AndNewColumnsAreAddedByEnsure()
    {
        var path = _files.PathOf("subset.db");
        await using (var store = new SqliteVectorStore(path))
        {
            var full = store.GetCollection<string, Doc4>("docs");
            await full.EnsureCollectionExistsAsync(Ct);
            await full.UpsertAsync(new Doc4 { Id = "a", Text = "full record", Embedding = new float[] { 1, 0, 0, 0 } }, Ct);

            var textOnly = store.GetCollection<string, DocTextOnly>("docs");
            Assert.Equal("full record", (await textOnly.GetAsync("a", cancellationToken: Ct))?.Text);

            // A record that grew a property: refused until EnsureCollectionExistsAsync adds its column.
            var grown = store.GetCollection<string, DocWithExtra>("docs");
            var error = await Assert.ThrowsAsync<VectorStoreException>(() => grown.GetAsync("a", cancellationToken: Ct));
            Assert.Contains("Extra", error.Message, StringComparison.Ordinal);
            await grown.EnsureCollectionExistsAsync(Ct);
            var old = await grown.GetAsync("a", cancellationToken: Ct);
            Assert.NotNull(old);
            Assert.Null(old.Extra);
            await grown.UpsertAsync(new DocWithExtra { Id = "b", Extra = "added later" }, Ct);
            Assert.Equal("full record", (await full.GetAsync("a", cancellationToken: Ct))?.Text); // the old shape still reads
        }

        await using var reopened = new SqliteVectorStore(path);
        var again = reopened.GetCollection<string, DocWithExtra>("docs");
        Assert.Equal("added later", (await again.GetAsync("b", cancellationToken: Ct))?.Extra);
    }

    [Fact]
    public async Task Open_CopyTakenWhileOpen_WithItsWal_RecoversCommittedData()
    {
        var path = _files.PathOf("live.db");
        var copy = _files.PathOf("crash-copy.db");
        await using (var store = new SqliteVectorStore(path))
        {
            var docs = store.GetCollection<string, Doc4>("docs");
            await docs.EnsureCollectionExistsAsync(Ct);
            await docs.UpsertAsync(Enumerable.Range(0, 50).Select(i => new Doc4 { Id = "d" + i, Text = "committed " + i, Embedding = new float[] { i, 1, 0, 0 } }), Ct);

            // What a crash leaves behind: the database file and its write-ahead log, without the shared-memory index.
            File.Copy(path, copy);
            File.Copy(path + "-wal", copy + "-wal");
        }

        await using (var recovered = new SqliteVectorStore(copy))
        {
            var docs = recovered.GetCollection<string, Doc4>("docs");
            Assert.Equal("committed 49", (await docs.GetAsync("d49", cancellationToken: Ct))?.Text);
        }
    }

    [Fact]
    public void Open_InMemoryDataSource_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new SqliteVectorStore(":memory:"));
        Assert.Throws<ArgumentException>(() => new SqliteVectorStore(new SqliteVectorStoreOptions()));
    }

    [Fact]
    public async Task Open_CreatesMissingDirectories()
    {
        var path = Path.Combine(_files.Directory, "a", "b", "store.db");

        await using (var store = new SqliteVectorStore(path))
        {
            await store.GetCollection<string, Doc4>("docs").EnsureCollectionExistsAsync(Ct);
        }

        Assert.True(File.Exists(path));
    }
}
