using System.Linq.Expressions;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.VectorData;
using KernelMemoryPlus.Storage;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>
/// Behaviour every vector store of the project must show, written against the public Microsoft.Extensions.VectorData
/// API (plus <see cref="ITransactionalVectorStore"/>) only. Derive once per store and implement
/// <see cref="CreateStoreAsync"/>; stores that persist also override <see cref="ReopenStoreAsync"/>.
/// </summary>
public abstract class VectorStoreConformanceTests : IAsyncLifetime
{
    private const int Dimensions = 4;
    private static readonly DateTimeOffset s_baseTime = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string s_staticCategory = "misc";

    private VectorStore? _store;

    /// <summary>The store under test; a fresh one per test.</summary>
    protected VectorStore Store => _store ?? throw new InvalidOperationException("The store is not open.");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates an empty store for one test.</summary>
    protected abstract Task<VectorStore> CreateStoreAsync();

    /// <summary>
    /// Opens the data of the store last created again, after the suite disposed it; null when the store does not persist.
    /// </summary>
    protected virtual Task<VectorStore?> ReopenStoreAsync() => Task.FromResult<VectorStore?>(null);

    public async ValueTask InitializeAsync() => _store = await CreateStoreAsync();

    public virtual ValueTask DisposeAsync()
    {
        _store?.Dispose();
        _store = null;
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    // ---------------------------------------------------------------- record types

    public sealed class Note
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public string Title { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Body { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public string Category { get; set; } = "general";

        [VectorStoreData(IsIndexed = true)]
        public bool IsPinned { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public int Priority { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public long Views { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public double Score { get; set; }

        [VectorStoreData]
        public float Weight { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public DateTimeOffset CreatedAt { get; set; } = s_baseTime;

        [VectorStoreData]
        public Guid ExternalId { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public string? Comment { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public int? Rank { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public DateTimeOffset? ExpiresAt { get; set; }

        [VectorStoreData(IsIndexed = true)]
        public string[] Tags { get; set; } = [];

        [VectorStoreData(IsIndexed = true)]
        public List<string> Labels { get; set; } = [];

        [VectorStoreData]
        public byte[]? Payload { get; set; }

        [VectorStoreVector(Dimensions, DistanceFunction = DistanceFunction.CosineSimilarity)]
        public ReadOnlyMemory<float> Embedding { get; set; }

        /// <summary>Not part of the model: filters on it must be rejected.</summary>
        public string Unmapped { get; set; } = "";
    }

    /// <summary>Same name and key as <see cref="Note"/> but a different shape.</summary>
    public sealed class OtherShape
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public int Title { get; set; }

        [VectorStoreVector(8)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    /// <summary>A view of <see cref="Note"/> with only some of its columns.</summary>
    public sealed class NoteTitle
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public string Title { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public int Priority { get; set; }
    }

    public sealed class DotRecord
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData]
        public string Text { get; set; } = "";

        [VectorStoreVector(3, DistanceFunction = DistanceFunction.DotProductSimilarity)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class EuclideanRecord
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreVector(3, DistanceFunction = DistanceFunction.EuclideanDistance)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class TwoVectors
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> First { get; set; }

        [VectorStoreVector(2)]
        public float[]? Second { get; set; }
    }

    public sealed class GuidKeyed
    {
        [VectorStoreKey]
        public Guid Id { get; set; }

        [VectorStoreData]
        public string Text { get; set; } = "";

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class IntKeyed
    {
        [VectorStoreKey]
        public int Id { get; set; }

        [VectorStoreData]
        public string Text { get; set; } = "";

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class LongKeyed
    {
        [VectorStoreKey]
        public long Id { get; set; }

        [VectorStoreData]
        public string Text { get; set; } = "";

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    /// <summary>A record whose vector property is the text itself; the store embeds it (definition-based model).</summary>
    public sealed class GeneratedNote
    {
        public string Id { get; set; } = "";

        public string Text { get; set; } = "";

        public string? Embedding { get; set; }
    }

    /// <summary>Deterministic bag-of-words embeddings: each word adds to one dimension chosen by a stable hash.</summary>
    public sealed class FakeEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
    {
        private int _calls;

        public FakeEmbeddingGenerator(int dimensions)
        {
            Dimensions = dimensions;
        }

        public int Dimensions { get; }

        /// <summary>How many times <see cref="GenerateAsync"/> was called.</summary>
        public int Calls => Volatile.Read(ref _calls);

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            var embeddings = new GeneratedEmbeddings<Embedding<float>>(values.Select(v => new Embedding<float>(Embed(v))));
            return Task.FromResult(embeddings);
        }

        public float[] Embed(string text)
        {
            var vector = new float[Dimensions];
            foreach (var word in text.ToLowerInvariant().Split([' ', ',', '.', '!', '?'], StringSplitOptions.RemoveEmptyEntries))
            {
                uint hash = 2166136261;
                foreach (var c in word)
                {
                    hash = (hash ^ c) * 16777619;
                }

                vector[hash % (uint)Dimensions] += 1;
            }

            return vector;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }

    // ---------------------------------------------------------------- helpers

    private static string NewName() => "c" + Guid.NewGuid().ToString("N")[..16];

    private async Task<VectorStoreCollection<string, Note>> CreateNotesAsync(string? name = null)
    {
        var collection = Store.GetCollection<string, Note>(name ?? NewName());
        await collection.EnsureCollectionExistsAsync(Ct);
        return collection;
    }

    private async Task<VectorStoreCollection<TKey, TRecord>> CreateAsync<TKey, TRecord>(VectorStoreCollectionDefinition? definition = null)
        where TKey : notnull
        where TRecord : class
    {
        var collection = Store.GetCollection<TKey, TRecord>(NewName(), definition);
        await collection.EnsureCollectionExistsAsync(Ct);
        return collection;
    }

    private static Note NewNote(string id, float[]? vector = null, string title = "", string category = "general", int priority = 0, string body = "") => new()
    {
        Id = id,
        Title = title,
        Category = category,
        Priority = priority,
        Body = body,
        Embedding = vector ?? [1, 0, 0, 0],
    };

    /// <summary>Five notes with distinct values for the filter tests.</summary>
    private async Task<VectorStoreCollection<string, Note>> SeedFilterNotesAsync()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(
        [
            new Note { Id = "n1", Title = "alpha", Category = "work", IsPinned = true, Priority = 1, Views = 10, Score = 0.5, CreatedAt = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), Comment = null, Rank = null, Tags = ["red", "blue"], Labels = ["x"], Embedding = new float[] { 1, 0, 0, 0 } },
            new Note { Id = "n2", Title = "beta", Category = "home", IsPinned = false, Priority = 2, Views = 20, Score = 1.5, CreatedAt = new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.FromHours(2)), Comment = "c2", Rank = 5, Tags = ["blue"], Labels = [], Embedding = new float[] { 0, 1, 0, 0 } },
            new Note { Id = "n3", Title = "gamma", Category = "work", IsPinned = false, Priority = 3, Views = 30, Score = 2.5, CreatedAt = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.FromHours(-5)), Comment = null, Rank = 7, Tags = ["green"], Labels = ["y", "x"], Embedding = new float[] { 0, 0, 1, 0 } },
            new Note { Id = "n4", Title = "delta", Category = "home", IsPinned = true, Priority = 4, Views = 40, Score = 3.5, CreatedAt = new DateTimeOffset(2024, 4, 1, 0, 0, 0, TimeSpan.Zero), Comment = "c4", Rank = null, Tags = [], Labels = ["y"], Embedding = new float[] { 0, 0, 0, 1 } },
            new Note { Id = "n5", Title = "epsilon", Category = "misc", IsPinned = false, Priority = 5, Views = 50, Score = 4.5, CreatedAt = new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero), Comment = "c5", Rank = 9, Tags = ["red"], Labels = [], Embedding = new float[] { 1, 1, 0, 0 } },
        ], Ct);
        return notes;
    }

    private static async Task<string[]> IdsAsync(VectorStoreCollection<string, Note> notes, Expression<Func<Note, bool>> filter)
    {
        var records = await notes.GetAsync(filter, 100, cancellationToken: Ct).ToListAsync(Ct);
        return [.. records.Select(r => r.Id).Order(StringComparer.Ordinal)];
    }

    private static async Task<List<VectorSearchResult<T>>> SearchAsync<T>(IVectorSearchable<T> collection, float[] query, int top, VectorSearchOptions<T>? options = null)
        where T : class =>
        await collection.SearchAsync(new ReadOnlyMemory<float>(query), top, options, Ct).ToListAsync(Ct);

    private ITransactionalVectorStore Transactional() => Assert.IsAssignableFrom<ITransactionalVectorStore>(Store);

    // ---------------------------------------------------------------- collection lifecycle

    [Fact]
    public async Task CollectionExistsAsync_ReflectsEnsureExistsAndDeleted()
    {
        var name = NewName();
        var notes = Store.GetCollection<string, Note>(name);

        Assert.False(await notes.CollectionExistsAsync(Ct));
        Assert.False(await Store.CollectionExistsAsync(name, Ct));

        await notes.EnsureCollectionExistsAsync(Ct);
        Assert.True(await notes.CollectionExistsAsync(Ct));
        Assert.True(await Store.CollectionExistsAsync(name, Ct));

        await notes.EnsureCollectionDeletedAsync(Ct);
        Assert.False(await notes.CollectionExistsAsync(Ct));
        Assert.False(await Store.CollectionExistsAsync(name, Ct));
    }

    [Fact]
    public async Task EnsureCollectionExistsAsync_Twice_KeepsData()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        await notes.EnsureCollectionExistsAsync(Ct);

        Assert.NotNull(await notes.GetAsync("a", cancellationToken: Ct));
    }

    [Fact]
    public async Task EnsureCollectionDeletedAsync_DropsData_AndRecreatedCollectionIsEmpty()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        await Store.EnsureCollectionDeletedAsync(notes.Name, Ct);
        await Store.EnsureCollectionDeletedAsync(notes.Name, Ct);
        await notes.EnsureCollectionExistsAsync(Ct);

        Assert.Null(await notes.GetAsync("a", cancellationToken: Ct));
        Assert.Empty(await SearchAsync(notes, [1, 0, 0, 0], 10));
    }

    [Fact]
    public async Task ListCollectionNamesAsync_ListsExistingCollectionsOnly()
    {
        var first = await CreateNotesAsync();
        var second = await CreateAsync<string, DotRecord>();
        var deleted = await CreateNotesAsync();
        await deleted.EnsureCollectionDeletedAsync(Ct);
        _ = Store.GetCollection<string, Note>(NewName());

        var names = await Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct);

        Assert.Equal(2, names.Count);
        Assert.Contains(first.Name, names);
        Assert.Contains(second.Name, names);
    }

    [Fact]
    public async Task GetCollection_SameName_SharesData()
    {
        var name = NewName();
        var writer = await CreateNotesAsync(name);
        var reader = Store.GetCollection<string, Note>(name);

        await writer.UpsertAsync(NewNote("shared", title: "seen by both"), Ct);

        Assert.Equal("seen by both", (await reader.GetAsync("shared", cancellationToken: Ct))?.Title);
    }

    [Fact]
    public async Task GetCollection_SameNameWithDifferentShape_Throws()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        var error = await Record.ExceptionAsync(async () =>
        {
            var other = Store.GetCollection<string, OtherShape>(notes.Name);
            await other.EnsureCollectionExistsAsync(Ct);
            await other.UpsertAsync(new OtherShape { Id = "b", Title = 3, Embedding = new float[8] }, Ct);
        });

        var storeError = Assert.IsAssignableFrom<VectorStoreException>(error);
        Assert.Contains(notes.Name, storeError.Message, StringComparison.Ordinal);
        Assert.NotNull(await notes.GetAsync("a", cancellationToken: Ct));
    }

    [Fact]
    public async Task GetCollection_RecordWithSubsetOfColumns_ReadsAndWritesOnlyItsOwn()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(new Note { Id = "a", Title = "full", Category = "work", Priority = 2, Tags = ["t"], Embedding = new float[] { 0, 1, 0, 0 } }, Ct);
        var titles = Store.GetCollection<string, NoteTitle>(notes.Name);

        var view = await titles.GetAsync("a", cancellationToken: Ct);
        await titles.UpsertAsync(new NoteTitle { Id = "a", Title = "renamed", Priority = 9 }, Ct);
        var full = await notes.GetAsync("a", new() { IncludeVectors = true }, Ct);
        var filtered = await titles.GetAsync(t => t.Priority == 9, 10, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal("full", view?.Title);
        Assert.Equal("renamed", full?.Title);
        Assert.Equal(9, full!.Priority);
        Assert.Equal("work", full.Category);
        Assert.Equal(["t"], full.Tags);
        Assert.Equal(new float[] { 0, 1, 0, 0 }, full.Embedding.ToArray());
        Assert.Equal("a", Assert.Single(filtered).Id);
    }

    [Fact]
    public async Task Reads_OnMissingCollection_ReturnNothing_AndDeleteIsNoOp()
    {
        var notes = Store.GetCollection<string, Note>(NewName());

        Assert.Null(await notes.GetAsync("a", cancellationToken: Ct));
        Assert.Empty(await notes.GetAsync(["a", "b"], cancellationToken: Ct).ToListAsync(Ct));
        Assert.Empty(await notes.GetAsync(n => n.Priority > 0, 10, cancellationToken: Ct).ToListAsync(Ct));
        Assert.Empty(await SearchAsync(notes, [1, 0, 0, 0], 10));
        await notes.DeleteAsync("a", Ct);
        await notes.DeleteAsync(["a", "b"], Ct);
        Assert.False(await notes.CollectionExistsAsync(Ct));
    }

    [Fact]
    public async Task UpsertAsync_OnMissingCollection_ThrowsVectorStoreExceptionNamingIt()
    {
        var notes = Store.GetCollection<string, Note>(NewName());

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => notes.UpsertAsync(NewNote("a"), Ct));

        Assert.Contains(notes.Name, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.False(await notes.CollectionExistsAsync(Ct));
    }

    // ---------------------------------------------------------------- CRUD

    [Fact]
    public async Task UpsertAsync_ThenGetAsync_ReturnsTheRecord()
    {
        var notes = await CreateNotesAsync();

        await notes.UpsertAsync(NewNote("a", title: "first", category: "work", priority: 3), Ct);
        var note = await notes.GetAsync("a", cancellationToken: Ct);

        Assert.NotNull(note);
        Assert.Equal("a", note.Id);
        Assert.Equal("first", note.Title);
        Assert.Equal("work", note.Category);
        Assert.Equal(3, note.Priority);
    }

    [Fact]
    public async Task GetAsync_MissingKey_ReturnsNull()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        Assert.Null(await notes.GetAsync("missing", cancellationToken: Ct));
    }

    [Fact]
    public async Task UpsertAsync_ExistingKey_Overwrites()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a", title: "old", vector: [1, 0, 0, 0]), Ct);

        await notes.UpsertAsync(NewNote("a", title: "new", vector: [0, 1, 0, 0]), Ct);

        var all = await notes.GetAsync(n => n.Priority == 0, 10, new() { IncludeVectors = true }, Ct).ToListAsync(Ct);
        var note = Assert.Single(all);
        Assert.Equal("new", note.Title);
        Assert.Equal(new float[] { 0, 1, 0, 0 }, note.Embedding.ToArray());
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheRecord()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("a"), NewNote("b")], Ct);

        await notes.DeleteAsync("a", Ct);

        Assert.Null(await notes.GetAsync("a", cancellationToken: Ct));
        Assert.NotNull(await notes.GetAsync("b", cancellationToken: Ct));
        Assert.Single(await SearchAsync(notes, [1, 0, 0, 0], 10));
    }

    [Fact]
    public async Task DeleteAsync_MissingKey_IsNoOp()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        await notes.DeleteAsync("missing", Ct);

        Assert.NotNull(await notes.GetAsync("a", cancellationToken: Ct));
    }

    [Fact]
    public async Task GetAsync_Batch_ReturnsOnlyExistingRecords()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("a"), NewNote("b"), NewNote("c")], Ct);

        var found = await notes.GetAsync(["a", "missing", "c"], cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(["a", "c"], found.Select(n => n.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeleteAsync_Batch_RemovesAllGivenKeys()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("a"), NewNote("b"), NewNote("c")], Ct);

        await notes.DeleteAsync(["a", "c", "missing"], Ct);

        var left = await notes.GetAsync(["a", "b", "c"], cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal("b", Assert.Single(left).Id);
    }

    [Fact]
    public async Task AllDataTypes_RoundTripExactly()
    {
        var notes = await CreateNotesAsync();
        var created = new DateTimeOffset(2023, 7, 8, 9, 10, 11, 123, TimeSpan.FromHours(5.5)).AddTicks(4567);
        var expires = new DateTimeOffset(2031, 12, 31, 23, 59, 59, TimeSpan.FromHours(-7));
        var original = new Note
        {
            Id = "types",
            Title = "Zoë — 日本語 🎉 'single' \"double\" \\ back\nnew line",
            Body = "",
            Category = "κατηγορία",
            IsPinned = true,
            Priority = int.MinValue,
            Views = long.MaxValue - 1,
            Score = 3.141592653589793,
            Weight = 0.1f,
            CreatedAt = created,
            ExternalId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"),
            Comment = "comment",
            Rank = 42,
            ExpiresAt = expires,
            Tags = ["a", "b c", "ünï"],
            Labels = ["x", "", "z"],
            Payload = [0, 1, 127, 128, 254, 255],
            Embedding = new float[] { 0.1f, -0.2f, 1e-7f, 3.4e38f },
        };

        await notes.UpsertAsync(original, Ct);
        var copy = await notes.GetAsync("types", new() { IncludeVectors = true }, Ct);

        Assert.NotNull(copy);
        Assert.Equal(original.Title, copy.Title);
        Assert.Equal("", copy.Body);
        Assert.Equal(original.Category, copy.Category);
        Assert.True(copy.IsPinned);
        Assert.Equal(int.MinValue, copy.Priority);
        Assert.Equal(long.MaxValue - 1, copy.Views);
        Assert.Equal(3.141592653589793, copy.Score);
        Assert.Equal(0.1f, copy.Weight);
        Assert.Equal(created, copy.CreatedAt);
        Assert.Equal(created.Offset, copy.CreatedAt.Offset);
        Assert.Equal(created.Ticks, copy.CreatedAt.Ticks);
        Assert.Equal(original.ExternalId, copy.ExternalId);
        Assert.Equal("comment", copy.Comment);
        Assert.Equal(42, copy.Rank);
        Assert.Equal(expires, copy.ExpiresAt);
        Assert.Equal(expires.Offset, copy.ExpiresAt!.Value.Offset);
        Assert.Equal(original.Tags, copy.Tags);
        Assert.Equal(original.Labels, copy.Labels);
        Assert.Equal(original.Payload, copy.Payload);
        Assert.Equal(original.Embedding.ToArray(), copy.Embedding.ToArray());
    }

    [Fact]
    public async Task NullsAndEmptyValues_RoundTrip()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(new Note { Id = "empty", Title = "", Comment = null, Rank = null, ExpiresAt = null, Payload = null, Tags = [], Labels = [], Embedding = new float[] { 1, 0, 0, 0 } }, Ct);

        var copy = await notes.GetAsync("empty", cancellationToken: Ct);

        Assert.NotNull(copy);
        Assert.Equal("", copy.Title);
        Assert.Null(copy.Comment);
        Assert.Null(copy.Rank);
        Assert.Null(copy.ExpiresAt);
        Assert.Null(copy.Payload);
        Assert.Empty(copy.Tags);
        Assert.Empty(copy.Labels);
    }

    [Fact]
    public async Task GuidKeys_SupportCrudAndSearch()
    {
        var records = await CreateAsync<Guid, GuidKeyed>();
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        await records.UpsertAsync([new GuidKeyed { Id = a, Text = "a", Embedding = new float[] { 1, 0 } }, new GuidKeyed { Id = b, Text = "b", Embedding = new float[] { 0, 1 } }], Ct);

        Assert.Equal("a", (await records.GetAsync(a, cancellationToken: Ct))?.Text);
        Assert.Equal(b, (await SearchAsync(records, [0, 1], 1))[0].Record.Id);
        await records.DeleteAsync(a, Ct);
        Assert.Null(await records.GetAsync(a, cancellationToken: Ct));
    }

    [Fact]
    public async Task IntKeys_SupportCrudAndSearch()
    {
        var records = await CreateAsync<int, IntKeyed>();
        await records.UpsertAsync([new IntKeyed { Id = -7, Text = "neg", Embedding = new float[] { 1, 0 } }, new IntKeyed { Id = int.MaxValue, Text = "max", Embedding = new float[] { 0, 1 } }], Ct);

        Assert.Equal("neg", (await records.GetAsync(-7, cancellationToken: Ct))?.Text);
        Assert.Equal(int.MaxValue, (await SearchAsync(records, [0, 1], 1))[0].Record.Id);
        await records.DeleteAsync(-7, Ct);
        Assert.Null(await records.GetAsync(-7, cancellationToken: Ct));
    }

    [Fact]
    public async Task LongKeys_SupportCrudAndSearch()
    {
        var records = await CreateAsync<long, LongKeyed>();
        await records.UpsertAsync([new LongKeyed { Id = long.MaxValue, Text = "max", Embedding = new float[] { 1, 0 } }, new LongKeyed { Id = 1, Text = "one", Embedding = new float[] { 0, 1 } }], Ct);

        Assert.Equal("max", (await records.GetAsync(long.MaxValue, cancellationToken: Ct))?.Text);
        Assert.Equal(1L, (await SearchAsync(records, [0, 1], 1))[0].Record.Id);
        await records.DeleteAsync(long.MaxValue, Ct);
        Assert.Null(await records.GetAsync(long.MaxValue, cancellationToken: Ct));
    }

    [Fact]
    public async Task Records_AreStoredAndReturnedAsCopies()
    {
        var notes = await CreateNotesAsync();
        var original = NewNote("a", title: "stored");
        original.Tags = ["one"];
        await notes.UpsertAsync(original, Ct);

        original.Title = "changed after upsert";
        original.Tags[0] = "mutated";
        var first = await notes.GetAsync("a", cancellationToken: Ct);
        first!.Title = "changed after get";
        first.Tags[0] = "mutated too";
        var second = await notes.GetAsync("a", cancellationToken: Ct);

        Assert.Equal("stored", second!.Title);
        Assert.Equal(["one"], second.Tags);
        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task UpsertAsync_VectorOfWrongSize_ThrowsAndWritesNothingOfTheBatch()
    {
        var notes = await CreateNotesAsync();

        var wrongSize = await Assert.ThrowsAsync<VectorStoreException>(() => notes.UpsertAsync([NewNote("ok"), NewNote("bad", [1, 0, 0])], Ct));
        var unset = await Assert.ThrowsAsync<VectorStoreException>(() => notes.UpsertAsync(new Note { Id = "unset" }, Ct));

        Assert.Contains("bad", wrongSize.Message, StringComparison.Ordinal);
        Assert.Contains("unset", unset.Message, StringComparison.Ordinal);
        Assert.Empty(await notes.GetAsync(["ok", "bad", "unset"], cancellationToken: Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task GetAsync_IncludeVectors_ControlsWhetherVectorsAreReturned()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a", vector: [0.5f, 0.5f, 0, 0]), Ct);

        var without = await notes.GetAsync("a", cancellationToken: Ct);
        var with = await notes.GetAsync("a", new() { IncludeVectors = true }, Ct);
        var batch = await notes.GetAsync(["a"], new() { IncludeVectors = true }, Ct).ToListAsync(Ct);
        var filtered = await notes.GetAsync(n => n.Id == "a", 1, new() { IncludeVectors = true }, Ct).ToListAsync(Ct);

        Assert.Equal(0, without!.Embedding.Length);
        Assert.Equal(new float[] { 0.5f, 0.5f, 0, 0 }, with!.Embedding.ToArray());
        Assert.Equal(new float[] { 0.5f, 0.5f, 0, 0 }, Assert.Single(batch).Embedding.ToArray());
        Assert.Equal(new float[] { 0.5f, 0.5f, 0, 0 }, Assert.Single(filtered).Embedding.ToArray());
    }

    // ---------------------------------------------------------------- vector search

    [Fact]
    public async Task SearchAsync_CosineSimilarity_ReturnsClosestFirst()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(
        [
            NewNote("orthogonal", [0, 1, 0, 0]),
            NewNote("opposite", [-1, 0, 0, 0]),
            NewNote("same", [2, 0, 0, 0]),
            NewNote("close", [0.9f, 0.1f, 0, 0]),
        ], Ct);

        var results = await SearchAsync(notes, [1, 0, 0, 0], 10);

        Assert.Equal(["same", "close", "orthogonal", "opposite"], results.Select(r => r.Record.Id));
        Assert.Equal(1.0, results[0].Score!.Value, 4);
        Assert.Equal(0.0, results[2].Score!.Value, 4);
        Assert.Equal(-1.0, results[3].Score!.Value, 4);
        Assert.True(results[1].Score < results[0].Score && results[1].Score > 0.9);
    }

    [Fact]
    public async Task SearchAsync_DotProductSimilarity_ReturnsLargestProductFirst()
    {
        var records = await CreateAsync<string, DotRecord>();
        await records.UpsertAsync(
        [
            new DotRecord { Id = "unit", Embedding = new float[] { 1, 0, 0 } },
            new DotRecord { Id = "long", Embedding = new float[] { 3, 0, 0 } },
            new DotRecord { Id = "side", Embedding = new float[] { 0, 5, 0 } },
            new DotRecord { Id = "back", Embedding = new float[] { -2, 0, 0 } },
        ], Ct);

        var results = await SearchAsync(records, [1, 0, 0], 10);

        Assert.Equal(["long", "unit", "side", "back"], results.Select(r => r.Record.Id));
        Assert.Equal([3.0, 1.0, 0.0, -2.0], results.Select(r => Math.Round(r.Score!.Value, 4)));
    }

    [Fact]
    public async Task SearchAsync_EuclideanDistance_ReturnsNearestFirst()
    {
        var records = await CreateAsync<string, EuclideanRecord>();
        await records.UpsertAsync(
        [
            new EuclideanRecord { Id = "origin", Embedding = new float[] { 0, 0, 0 } },
            new EuclideanRecord { Id = "x1", Embedding = new float[] { 1, 0, 0 } },
            new EuclideanRecord { Id = "x3", Embedding = new float[] { 3, 0, 0 } },
            new EuclideanRecord { Id = "y2", Embedding = new float[] { 0, 2, 0 } },
        ], Ct);

        var results = await SearchAsync(records, [1, 0, 0], 10);

        Assert.Equal(["x1", "origin", "x3", "y2"], results.Select(r => r.Record.Id));
        Assert.Equal(0.0, results[0].Score!.Value, 4);
        Assert.Equal(1.0, results[1].Score!.Value, 4);
        Assert.Equal(2.0, results[2].Score!.Value, 4);
        Assert.Equal(Math.Sqrt(5), results[3].Score!.Value, 4);
    }

    [Fact]
    public async Task SearchAsync_SkipAndTop_PageThroughRanking()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("1", [1, 0, 0, 0]), NewNote("2", [1, 0.2f, 0, 0]), NewNote("3", [1, 0.6f, 0, 0]), NewNote("4", [1, 2, 0, 0]), NewNote("5", [0, 1, 0, 0])], Ct);

        var page = await SearchAsync(notes, [1, 0, 0, 0], 2, new() { Skip = 1 });
        var last = await SearchAsync(notes, [1, 0, 0, 0], 10, new() { Skip = 4 });

        Assert.Equal(["2", "3"], page.Select(r => r.Record.Id));
        Assert.Equal("5", Assert.Single(last).Record.Id);
    }

    [Fact]
    public async Task SearchAsync_ScoreThreshold_DropsWorseResults()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("same", [1, 0, 0, 0]), NewNote("close", [1, 0.5f, 0, 0]), NewNote("far", [0, 1, 0, 0])], Ct);
        var euclid = await CreateAsync<string, EuclideanRecord>();
        await euclid.UpsertAsync([new EuclideanRecord { Id = "near", Embedding = new float[] { 0.5f, 0, 0 } }, new EuclideanRecord { Id = "far", Embedding = new float[] { 5, 0, 0 } }], Ct);

        var similar = await SearchAsync(notes, [1, 0, 0, 0], 10, new() { ScoreThreshold = 0.8 });
        var near = await SearchAsync(euclid, [0, 0, 0], 10, new() { ScoreThreshold = 1.0 });

        Assert.Equal(["same", "close"], similar.Select(r => r.Record.Id));
        Assert.Equal("near", Assert.Single(near).Record.Id);
    }

    [Fact]
    public async Task SearchAsync_WithFilter_RanksOnlyMatchingRecords()
    {
        var notes = await SeedFilterNotesAsync();

        var results = await SearchAsync(notes, [1, 0, 0, 0], 10, new() { Filter = n => n.Category == "home" });

        Assert.Equal(["n2", "n4"], results.Select(r => r.Record.Id).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task SearchAsync_IncludeVectors_ControlsWhetherVectorsAreReturned()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a", [0, 0, 1, 0]), Ct);

        var without = await SearchAsync(notes, [0, 0, 1, 0], 1);
        var with = await SearchAsync(notes, [0, 0, 1, 0], 1, new() { IncludeVectors = true });

        Assert.Equal(0, without[0].Record.Embedding.Length);
        Assert.Equal(new float[] { 0, 0, 1, 0 }, with[0].Record.Embedding.ToArray());
    }

    [Fact]
    public async Task SearchAsync_AcceptsFloatArrayAndEmbeddingInputs()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync([NewNote("x", [1, 0, 0, 0]), NewNote("y", [0, 1, 0, 0])], Ct);

        var fromArray = await notes.SearchAsync(new float[] { 0, 1, 0, 0 }, 1, cancellationToken: Ct).ToListAsync(Ct);
        var fromEmbedding = await notes.SearchAsync(new Embedding<float>(new float[] { 0, 1, 0, 0 }), 1, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal("y", Assert.Single(fromArray).Record.Id);
        Assert.Equal("y", Assert.Single(fromEmbedding).Record.Id);
    }

    [Fact]
    public async Task SearchAsync_QueryWithWrongDimensions_Fails()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(NewNote("a"), Ct);

        var error = await Record.ExceptionAsync(() => SearchAsync(notes, [1, 0, 0], 10));

        Assert.True(error is VectorStoreException or ArgumentException, $"Expected a VectorStoreException or ArgumentException, got {error?.GetType().Name ?? "no exception"}.");
    }

    [Fact]
    public async Task SearchAsync_VectorPropertyOption_SelectsTheVector()
    {
        var records = await CreateAsync<string, TwoVectors>();
        await records.UpsertAsync(
        [
            new TwoVectors { Id = "a", First = new float[] { 1, 0 }, Second = [0, 1] },
            new TwoVectors { Id = "b", First = new float[] { 0, 1 }, Second = [1, 0] },
        ], Ct);

        var byFirst = await SearchAsync(records, [1, 0], 1, new() { VectorProperty = r => r.First });
        var bySecond = await SearchAsync(records, [1, 0], 1, new() { VectorProperty = r => r.Second, IncludeVectors = true });

        Assert.Equal("a", byFirst[0].Record.Id);
        Assert.Equal("b", bySecond[0].Record.Id);
        Assert.Equal(new float[] { 1, 0 }, bySecond[0].Record.Second);
    }

    // ---------------------------------------------------------------- filters

    [Fact]
    public async Task Filter_EqualityAndInequality()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n3"], await IdsAsync(notes, n => n.Category == "work"));
        Assert.Equal(["n2", "n4", "n5"], await IdsAsync(notes, n => n.Category != "work"));
        Assert.Equal(["n2"], await IdsAsync(notes, n => "beta" == n.Title));
        Assert.Equal(["n3"], await IdsAsync(notes, n => n.Id == "n3"));
    }

    [Fact]
    public async Task Filter_NumericComparisons()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n2"], await IdsAsync(notes, n => n.Priority < 3));
        Assert.Equal(["n1", "n2", "n3"], await IdsAsync(notes, n => n.Priority <= 3));
        Assert.Equal(["n4", "n5"], await IdsAsync(notes, n => n.Views > 30L));
        Assert.Equal(["n3", "n4", "n5"], await IdsAsync(notes, n => n.Score >= 2.5));
        Assert.Equal(["n3", "n5"], await IdsAsync(notes, n => n.Rank > 5));
    }

    [Fact]
    public async Task Filter_DateTimeOffsetComparisons_CompareInstants()
    {
        var notes = await SeedFilterNotesAsync();
        var march = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.FromHours(-5));
        var february = new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Equal(["n3", "n4", "n5"], await IdsAsync(notes, n => n.CreatedAt >= march));
        Assert.Equal(["n4", "n5"], await IdsAsync(notes, n => n.CreatedAt > march));
        // n2 is 2024-02-01T00:00+02:00, which is still January in UTC.
        Assert.Equal(["n1", "n2"], await IdsAsync(notes, n => n.CreatedAt < february));
    }

    [Fact]
    public async Task Filter_BoolPropertiesAndNegation()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n4"], await IdsAsync(notes, n => n.IsPinned));
        Assert.Equal(["n2", "n3", "n5"], await IdsAsync(notes, n => !n.IsPinned));
        Assert.Equal(["n2", "n3", "n5"], await IdsAsync(notes, n => n.IsPinned == false));
    }

    [Fact]
    public async Task Filter_NullChecks()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n3"], await IdsAsync(notes, n => n.Comment == null));
        Assert.Equal(["n2", "n4", "n5"], await IdsAsync(notes, n => n.Comment != null));
        Assert.Equal(["n1", "n4"], await IdsAsync(notes, n => n.Rank == null));
        Assert.Equal(["n1", "n2", "n3", "n4", "n5"], await IdsAsync(notes, n => n.ExpiresAt == null));
    }

    [Fact]
    public async Task Filter_NullableValueAndHasValue()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n2", "n3", "n5"], await IdsAsync(notes, n => n.Rank.HasValue));
        Assert.Equal(["n1", "n4"], await IdsAsync(notes, n => !n.Rank.HasValue));
        Assert.Equal(["n3", "n5"], await IdsAsync(notes, n => n.Rank!.Value > 5));
        Assert.Equal(["n1", "n2", "n4", "n5"], await IdsAsync(notes, n => n.Rank!.Value != 7));
    }

    [Fact]
    public async Task Filter_ConditionsComparedWithBoolsAndNonShortCircuitOperators()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n4", "n5"], await IdsAsync(notes, n => (n.Priority > 3) == true));
        Assert.Equal(["n2", "n4", "n5"], await IdsAsync(notes, n => (n.Category == "work") != true));
        Assert.Equal(["n4"], await IdsAsync(notes, n => n.IsPinned & n.Priority > 1));
        Assert.Equal(["n1", "n4", "n5"], await IdsAsync(notes, n => n.IsPinned | n.Priority == 5));
    }

    [Fact]
    public async Task Filter_ListPropertyContains()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n5"], await IdsAsync(notes, n => n.Tags.Contains("red")));
        Assert.Equal(["n1", "n3"], await IdsAsync(notes, n => n.Labels.Contains("x")));
        Assert.Empty(await IdsAsync(notes, n => n.Tags.Contains("purple")));
    }

    [Fact]
    public async Task Filter_LocalCollectionContainsProperty_ActsAsIn()
    {
        var notes = await SeedFilterNotesAsync();
        var categories = new List<string> { "home", "misc" };
        int[] priorities = [1, 5];
        string[] ids = ["n2", "n3", "nope"];

        Assert.Equal(["n2", "n4", "n5"], await IdsAsync(notes, n => categories.Contains(n.Category)));
        Assert.Equal(["n1", "n5"], await IdsAsync(notes, n => priorities.Contains(n.Priority)));
        Assert.Equal(["n2", "n3"], await IdsAsync(notes, n => ids.Contains(n.Id)));
    }

    [Fact]
    public async Task Filter_CapturedVariables_AreReadAtQueryTime()
    {
        var notes = await SeedFilterNotesAsync();
        var query = new { Category = "work" };
        int minimum = 3;
        Expression<Func<Note, bool>> above = n => n.Priority > minimum;

        Assert.Equal(["n1", "n3"], await IdsAsync(notes, n => n.Category == query.Category));
        Assert.Equal(["n5"], await IdsAsync(notes, n => n.Category == s_staticCategory));
        Assert.Equal(["n4", "n5"], await IdsAsync(notes, above));
        minimum = 1;
        Assert.Equal(["n2", "n3", "n4", "n5"], await IdsAsync(notes, above));
    }

    [Fact]
    public async Task Filter_NestedAndOrNot()
    {
        var notes = await SeedFilterNotesAsync();

        Assert.Equal(["n1", "n5"], await IdsAsync(notes, n => (n.Category == "work" || n.Category == "misc") && !(n.Priority == 3)));
        Assert.Equal(["n1", "n4"], await IdsAsync(notes, n => n.IsPinned && (n.Priority > 1 || n.Tags.Contains("red"))));
        Assert.Equal(["n2", "n3"], await IdsAsync(notes, n => !(n.Priority < 2 || n.Priority > 3)));
        Assert.Equal(["n3"], await IdsAsync(notes, n => n.Comment == null && n.Rank != null));
    }

    [Fact]
    public async Task Filter_UnsupportedExpressions_ThrowNotSupportedException()
    {
        var notes = await SeedFilterNotesAsync();
        Expression<Func<Note, bool>>[] unsupported =
        [
            n => n.Title.StartsWith("al"),
            n => n.Title.Trim() == "alpha",
            n => n.Title.Equals("alpha"),
            n => n.Title.Contains("lph"),
            n => n.Title.Length > 3,
            n => n.Priority == n.Rank,
            n => n.Unmapped == "x",
            n => n.Embedding.Length == 4,
        ];

        // Both the call and the enumeration count: stores validate when the query is made.
        foreach (var filter in unsupported)
        {
            Assert.Throws<NotSupportedException>(() => notes.GetAsync(filter, 10, cancellationToken: Ct));
        }

        Assert.Throws<NotSupportedException>(() =>
            notes.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0, 0]), 10, new() { Filter = n => n.Title.EndsWith("ta", StringComparison.Ordinal) }, Ct));
        var hybrid = Assert.IsAssignableFrom<IKeywordHybridSearchable<Note>>(notes);
        Assert.Throws<NotSupportedException>(() =>
            hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([1, 0, 0, 0]), ["x"], 10, new() { Filter = n => n.Tags.Any(t => t == "red") }, Ct));
    }

    [Fact]
    public async Task GetAsync_Filter_OrderBySeveralKeysWithSkipAndTop()
    {
        var notes = await SeedFilterNotesAsync();

        var page = await notes.GetAsync(
            n => n.Priority > 0,
            3,
            new() { OrderBy = o => o.Ascending(n => n.Category).Descending(n => n.Priority), Skip = 1 },
            Ct).ToListAsync(Ct);
        var newest = await notes.GetAsync(n => n.Priority > 0, 10, new() { OrderBy = o => o.Descending(n => n.CreatedAt) }, Ct).ToListAsync(Ct);
        var byScore = await notes.GetAsync(n => n.Priority > 0, 2, new() { OrderBy = o => o.Ascending(n => n.Score) }, Ct).ToListAsync(Ct);

        // home: n4 (4), n2 (2); misc: n5; work: n3 (3), n1 (1).
        Assert.Equal(["n2", "n5", "n3"], page.Select(n => n.Id));
        Assert.Equal(["n5", "n4", "n3", "n2", "n1"], newest.Select(n => n.Id));
        Assert.Equal(["n1", "n2"], byScore.Select(n => n.Id));
    }

    // ---------------------------------------------------------------- hybrid search

    private async Task<VectorStoreCollection<string, Note>> SeedHybridNotesAsync()
    {
        var notes = await CreateNotesAsync();
        await notes.UpsertAsync(
        [
            NewNote("v1", [1, 0, 0, 0], body: "weekly team meeting notes", category: "a"),
            NewNote("v2", [1, 0.1f, 0, 0], body: "lunch order for the office", category: "a"),
            NewNote("v3", [1, 0.2f, 0, 0], body: "printer is out of paper", category: "b"),
            NewNote("v4", [1, 0.3f, 0, 0], body: "parking garage closes early", category: "b"),
            NewNote("v5", [1, 0.4f, 0, 0], body: "holiday schedule announced", category: "a"),
            NewNote("kw", [-1, 0, 0, 0], body: "the quantum entanglement experiment results", category: "b"),
        ], Ct);
        return notes;
    }

    [Fact]
    public async Task HybridSearchAsync_FindsKeywordMatchThatVectorSearchRanksLow()
    {
        var notes = await SeedHybridNotesAsync();
        var hybrid = Assert.IsAssignableFrom<IKeywordHybridSearchable<Note>>(notes);

        var vectorOnly = await SearchAsync(notes, [1, 0, 0, 0], 3);
        var results = await hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([1, 0, 0, 0]), ["quantum", "experiments"], 3, cancellationToken: Ct).ToListAsync(Ct);

        Assert.DoesNotContain(vectorOnly, r => r.Record.Id == "kw");
        Assert.Contains(results, r => r.Record.Id == "kw");
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.True(r.Score > 0));
        Assert.Equal(results.Select(r => r.Score).OrderDescending(), results.Select(r => r.Score));
    }

    [Fact]
    public async Task HybridSearchAsync_FilterAndSkip_Apply()
    {
        var notes = await SeedHybridNotesAsync();
        var hybrid = Assert.IsAssignableFrom<IKeywordHybridSearchable<Note>>(notes);
        var query = new ReadOnlyMemory<float>([1, 0, 0, 0]);

        var filtered = await hybrid.HybridSearchAsync(query, ["quantum"], 10, new() { Filter = n => n.Category == "a" }, Ct).ToListAsync(Ct);
        var all = await hybrid.HybridSearchAsync(query, ["quantum"], 10, cancellationToken: Ct).ToListAsync(Ct);
        var skipped = await hybrid.HybridSearchAsync(query, ["quantum"], 10, new() { Skip = 2 }, Ct).ToListAsync(Ct);

        Assert.Equal(["v1", "v2", "v5"], filtered.Select(r => r.Record.Id).Order(StringComparer.Ordinal));
        Assert.Equal(6, all.Count);
        Assert.Equal(all.Skip(2).Select(r => r.Record.Id), skipped.Select(r => r.Record.Id));
    }

    // ---------------------------------------------------------------- dynamic collections

    private static VectorStoreCollectionDefinition DynamicDefinition() => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty("Id", typeof(string)),
            new VectorStoreDataProperty("Title", typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty("Count", typeof(int)) { IsIndexed = true },
            new VectorStoreDataProperty("Tags", typeof(string[])) { IsIndexed = true },
            new VectorStoreDataProperty("Note", typeof(string)) { IsIndexed = true },
            new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 2),
        ],
    };

    private static Dictionary<string, object?> Row(string id, string title, int count, string[] tags, float[] vector, string? note = null) => new()
    {
        ["Id"] = id,
        ["Title"] = title,
        ["Count"] = count,
        ["Tags"] = tags,
        ["Note"] = note,
        ["Embedding"] = new ReadOnlyMemory<float>(vector),
    };

    [Fact]
    public async Task DynamicCollection_SupportsCrud()
    {
        var rows = Store.GetDynamicCollection(NewName(), DynamicDefinition());
        await rows.EnsureCollectionExistsAsync(Ct);

        await rows.UpsertAsync([Row("a", "alpha", 1, ["x"], [1, 0]), Row("b", "beta", 2, [], [0, 1], "n")], Ct);
        var a = await rows.GetAsync("a", new() { IncludeVectors = true }, Ct);
        await rows.UpsertAsync(Row("a", "alpha v2", 10, ["x", "y"], [1, 1]), Ct);
        var updated = await rows.GetAsync("a", cancellationToken: Ct);
        await rows.DeleteAsync("b", Ct);

        Assert.NotNull(a);
        Assert.Equal("alpha", a["Title"]);
        Assert.Equal(1, a["Count"]);
        Assert.Equal(new[] { "x" }, Assert.IsAssignableFrom<IEnumerable<string>>(a["Tags"]));
        Assert.Null(a["Note"]);
        Assert.Equal(new float[] { 1, 0 }, Assert.IsType<ReadOnlyMemory<float>>(a["Embedding"]).ToArray());
        Assert.Equal("alpha v2", updated!["Title"]);
        Assert.Equal(10, updated["Count"]);
        Assert.Null(await rows.GetAsync("b", cancellationToken: Ct));
    }

    [Fact]
    public async Task DynamicCollection_SupportsFiltersAndSearch()
    {
        var rows = Store.GetDynamicCollection(NewName(), DynamicDefinition());
        await rows.EnsureCollectionExistsAsync(Ct);
        var missingCount = Row("d", "delta", 0, [], [0, 0.5f]);
        missingCount["Count"] = null;
        await rows.UpsertAsync([Row("a", "alpha", 1, ["x"], [1, 0]), Row("b", "beta", 2, ["y"], [0, 1], "n"), Row("c", "gamma", 3, ["x", "y"], [1, 1]), missingCount], Ct);
        var titles = new[] { "alpha", "gamma" };

        async Task<string[]> Ids(Expression<Func<Dictionary<string, object?>, bool>> filter) =>
            [.. (await rows.GetAsync(filter, 10, cancellationToken: Ct).ToListAsync(Ct)).Select(r => (string)r["Id"]!).Order(StringComparer.Ordinal)];

        Assert.Equal(["b"], await Ids(r => (string?)r["Title"] == "beta"));
        Assert.Equal(["b", "c"], await Ids(r => (int)r["Count"]! > 1));
        Assert.Equal(["a", "c"], await Ids(r => ((string[])r["Tags"]!).Contains("x")));
        Assert.Equal(["a", "c"], await Ids(r => titles.Contains((string)r["Title"]!)));
        Assert.Equal(["a", "c", "d"], await Ids(r => r["Note"] == null));
        Assert.Equal(["d"], await Ids(r => r["Count"] == null));
        Assert.Equal(["a"], await Ids(r => (int)r["Count"]! < 2));

        var results = await rows.SearchAsync(new ReadOnlyMemory<float>([0, 1]), 2, new() { Filter = r => (int)r["Count"]! >= 2 }, Ct).ToListAsync(Ct);
        Assert.Equal(["b", "c"], results.Select(r => (string)r.Record["Id"]!));
    }

    // ---------------------------------------------------------------- embedding generation

    private static VectorStoreCollectionDefinition GeneratedDefinition(FakeEmbeddingGenerator generator) => new()
    {
        EmbeddingGenerator = generator,
        Properties =
        [
            new VectorStoreKeyProperty(nameof(GeneratedNote.Id), typeof(string)),
            new VectorStoreDataProperty(nameof(GeneratedNote.Text), typeof(string)) { IsFullTextIndexed = true },
            new VectorStoreVectorProperty(nameof(GeneratedNote.Embedding), typeof(string), generator.Dimensions),
        ],
    };

    [Fact]
    public async Task UpsertAsync_GeneratorBackedVector_EmbedsTheBatchInOneCall_AndSearchesByText()
    {
        var generator = new FakeEmbeddingGenerator(64);
        var notes = await CreateAsync<string, GeneratedNote>(GeneratedDefinition(generator));
        string[] texts = ["cats purr softly", "dogs bark loudly", "compiler errors everywhere"];

        await notes.UpsertAsync(texts.Select((t, i) => new GeneratedNote { Id = $"g{i}", Text = t, Embedding = t }), Ct);
        int callsAfterUpsert = generator.Calls;
        var results = await notes.SearchAsync("dogs bark", 3, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(1, callsAfterUpsert);
        Assert.Equal("g1", results[0].Record.Id);
        Assert.Equal("dogs bark loudly", results[0].Record.Text);
        Assert.Equal("cats purr softly", (await notes.GetAsync("g0", cancellationToken: Ct))?.Text);
    }

    [Fact]
    public async Task SearchAsync_StringInput_UsesThePropertyEmbeddingGenerator()
    {
        var generator = new FakeEmbeddingGenerator(16);
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty("Id", typeof(string)),
                new VectorStoreDataProperty("Title", typeof(string)),
                new VectorStoreVectorProperty("Embedding", typeof(ReadOnlyMemory<float>), 16) { EmbeddingGenerator = generator },
            ],
        };
        var rows = Store.GetDynamicCollection(NewName(), definition);
        await rows.EnsureCollectionExistsAsync(Ct);
        await rows.UpsertAsync(
        [
            new() { ["Id"] = "a", ["Title"] = "rust", ["Embedding"] = new ReadOnlyMemory<float>(generator.Embed("rust borrow checker")) },
            new() { ["Id"] = "b", ["Title"] = "tea", ["Embedding"] = new ReadOnlyMemory<float>(generator.Embed("green tea brewing")) },
        ], Ct);

        var results = await rows.SearchAsync("brewing tea", 1, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal("b", Assert.Single(results).Record["Id"]);
        Assert.Equal(1, generator.Calls);
    }

    [Fact]
    public async Task DynamicCollection_WithGeneratorBackedStringVector_EmbedsOnUpsert()
    {
        var generator = new FakeEmbeddingGenerator(32);
        var definition = new VectorStoreCollectionDefinition
        {
            EmbeddingGenerator = generator,
            Properties =
            [
                new VectorStoreKeyProperty("Key", typeof(Guid)),
                new VectorStoreDataProperty("Role", typeof(string)) { IsIndexed = true },
                new VectorStoreDataProperty("Content", typeof(string)) { IsFullTextIndexed = true },
                new VectorStoreVectorProperty("ContentEmbedding", typeof(string), 32),
            ],
        };
        var rows = Store.GetDynamicCollection(NewName(), definition);
        await rows.EnsureCollectionExistsAsync(Ct);
        var weather = Guid.NewGuid();
        await rows.UpsertAsync(
        [
            new() { ["Key"] = Guid.NewGuid(), ["Role"] = "user", ["Content"] = "book a flight to Oslo", ["ContentEmbedding"] = "book a flight to Oslo" },
            new() { ["Key"] = weather, ["Role"] = "user", ["Content"] = "weather forecast for tomorrow", ["ContentEmbedding"] = "weather forecast for tomorrow" },
        ], Ct);

        var results = await rows.SearchAsync("tomorrow weather", 1, new() { Filter = r => (string?)r["Role"] == "user" }, Ct).ToListAsync(Ct);

        Assert.Equal(weather, Assert.Single(results).Record["Key"]);
        Assert.Equal("weather forecast for tomorrow", (await rows.GetAsync(weather, cancellationToken: Ct))?["Content"]);
    }

    // ---------------------------------------------------------------- transactions

    [Fact]
    public async Task Transaction_Commit_MakesWritesInTwoCollectionsVisible()
    {
        var notes = await CreateNotesAsync();
        var dots = await CreateAsync<string, DotRecord>();

        await using (var transaction = await Transactional().BeginTransactionAsync(Ct))
        {
            await notes.UpsertAsync(NewNote("t1", title: "in transaction"), Ct);
            await dots.UpsertAsync(new DotRecord { Id = "d1", Text = "dot", Embedding = new float[] { 1, 0, 0 } }, Ct);
            Assert.Equal("in transaction", (await notes.GetAsync("t1", cancellationToken: Ct))?.Title);
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal("in transaction", (await notes.GetAsync("t1", cancellationToken: Ct))?.Title);
        Assert.Equal("dot", (await dots.GetAsync("d1", cancellationToken: Ct))?.Text);
        Assert.Single(await SearchAsync(dots, [1, 0, 0], 5));
    }

    [Fact]
    public async Task Transaction_DisposedWithoutCommit_RollsBackEveryWrite()
    {
        var notes = await CreateNotesAsync();
        var dots = await CreateAsync<string, DotRecord>();
        await notes.UpsertAsync([NewNote("keep", title: "original"), NewNote("gone", title: "doomed")], Ct);

        await using (var transaction = await Transactional().BeginTransactionAsync(Ct))
        {
            await notes.UpsertAsync([NewNote("new", title: "fresh"), NewNote("keep", title: "overwritten")], Ct);
            await notes.DeleteAsync("gone", Ct);
            await dots.UpsertAsync(new DotRecord { Id = "d1", Embedding = new float[] { 1, 0, 0 } }, Ct);
            Assert.Null(await notes.GetAsync("gone", cancellationToken: Ct));
        }

        Assert.Null(await notes.GetAsync("new", cancellationToken: Ct));
        Assert.Equal("original", (await notes.GetAsync("keep", cancellationToken: Ct))?.Title);
        Assert.Equal("doomed", (await notes.GetAsync("gone", cancellationToken: Ct))?.Title);
        Assert.Null(await dots.GetAsync("d1", cancellationToken: Ct));
        Assert.Equal(2, (await SearchAsync(notes, [1, 0, 0, 0], 10)).Count);
    }

    [Fact]
    public async Task Transaction_NestedBegin_ThrowsInvalidOperation_AndOuterStillCommits()
    {
        var notes = await CreateNotesAsync();
        var store = Transactional();

        await using (var transaction = await store.BeginTransactionAsync(Ct))
        {
            await notes.UpsertAsync(NewNote("outer"), Ct);

            // A store that waits for its own transaction would hang here; the timeout turns that into a failure.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.BeginTransactionAsync(timeout.Token));
            await transaction.CommitAsync(Ct);
        }

        await using (var next = await store.BeginTransactionAsync(Ct))
        {
            await notes.DeleteAsync("outer", Ct);
            await next.CommitAsync(Ct);
        }

        Assert.Null(await notes.GetAsync("outer", cancellationToken: Ct));
    }

    [Fact]
    public async Task Transaction_WritersInOtherFlowsWait_AndNobodyElseSeesUncommittedWrites()
    {
        var notes = await CreateNotesAsync();
        var ct = Ct;
        Task outsideWriter;
        Task<Note?> outsideReader;

        await using (var transaction = await Transactional().BeginTransactionAsync(Ct))
        {
            await notes.UpsertAsync(NewNote("inside"), Ct);

            // Suppressing the flow starts the tasks outside the ambient transaction, like another request would.
            using (ExecutionContext.SuppressFlow())
            {
                outsideWriter = Task.Run(() => notes.UpsertAsync(NewNote("outside"), ct), ct);
                outsideReader = Task.Run(() => notes.GetAsync("inside", cancellationToken: ct), ct);
            }

            await Task.WhenAny(Task.WhenAll(outsideWriter, outsideReader), Task.Delay(300, Ct));
            Assert.False(outsideWriter.IsCompleted, "A writer outside the transaction must wait until it ends.");
            if (outsideReader.IsCompleted)
            {
                Assert.Null(await outsideReader);
            }

            await transaction.CommitAsync(Ct);
        }

        await outsideWriter.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        Assert.NotNull(await notes.GetAsync("outside", cancellationToken: Ct));
        Assert.NotNull(await notes.GetAsync("inside", cancellationToken: Ct));
        await outsideReader.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    // ---------------------------------------------------------------- concurrency

    [Fact]
    public async Task ConcurrentUpserts_FromManyTasks_LoseNothing()
    {
        var notes = await CreateNotesAsync();
        using var stop = new CancellationTokenSource();
        int reads = 0;
        var reader = Task.Run(
            async () =>
            {
                // At least one read even when the writers finish before this task is scheduled (busy 2-core CI).
                do
                {
                    await notes.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0, 0]), 5, cancellationToken: Ct).ToListAsync(Ct);
                    Interlocked.Increment(ref reads);
                }
                while (!stop.IsCancellationRequested);
            },
            Ct);

        var writers = Enumerable.Range(0, 8).Select(t => Task.Run(
            async () =>
            {
                for (int i = 0; i < 250; i++)
                {
                    await notes.UpsertAsync(NewNote($"w{t}-{i}", [1, t, i, 0], priority: t), Ct);
                }
            },
            Ct)).ToArray();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await reader;

        var all = await notes.GetAsync(n => n.Priority >= 0, 5000, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(2000, all.Count);
        Assert.Equal(2000, all.Select(n => n.Id).Distinct().Count());
        Assert.All(Enumerable.Range(0, 8), t => Assert.Equal(250, all.Count(n => n.Priority == t)));
        Assert.True(reads > 0);
    }

    // ---------------------------------------------------------------- persistence and metadata

    [Fact]
    public async Task Reopen_KeepsDataVectorsAndCollections()
    {
        var notes = await CreateNotesAsync();
        var dots = await CreateAsync<string, DotRecord>();
        await notes.UpsertAsync([NewNote("p1", [0, 0, 1, 0], title: "persisted"), NewNote("p2", [0, 1, 0, 0])], Ct);
        await dots.UpsertAsync(new DotRecord { Id = "d", Text = "dot", Embedding = new float[] { 0, 2, 0 } }, Ct);

        _store?.Dispose();
        _store = null;
        _store = await ReopenStoreAsync();
        if (_store is null)
        {
            Assert.Skip($"{GetType().Name}: the store does not persist.");
        }

        var names = await Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct);
        var reopened = Store.GetCollection<string, Note>(notes.Name);
        var reopenedDots = Store.GetCollection<string, DotRecord>(dots.Name);
        var note = await reopened.GetAsync("p1", new() { IncludeVectors = true }, Ct);
        var nearest = await SearchAsync(reopened, [0, 0, 1, 0], 1);

        Assert.Contains(notes.Name, names);
        Assert.Contains(dots.Name, names);
        Assert.Equal("persisted", note?.Title);
        Assert.Equal(new float[] { 0, 0, 1, 0 }, note!.Embedding.ToArray());
        Assert.Equal("p1", nearest[0].Record.Id);
        Assert.Equal("dot", (await reopenedDots.GetAsync("d", cancellationToken: Ct))?.Text);
    }

    [Fact]
    public async Task GetService_ReturnsStoreAndCollectionMetadata()
    {
        var notes = await CreateNotesAsync();

        var storeMetadata = Assert.IsType<VectorStoreMetadata>(Store.GetService(typeof(VectorStoreMetadata)));
        var collectionMetadata = Assert.IsType<VectorStoreCollectionMetadata>(notes.GetService(typeof(VectorStoreCollectionMetadata)));

        Assert.False(string.IsNullOrEmpty(storeMetadata.VectorStoreSystemName));
        Assert.Equal(storeMetadata.VectorStoreSystemName, collectionMetadata.VectorStoreSystemName);
        Assert.Equal(notes.Name, collectionMetadata.CollectionName);
    }
}
