using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Storage.InMemory;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace KernelMemoryPlus.Tests.Engine;

/// <summary>
/// One engine over an in-memory store, the offline embedder and a fake clock, plus the four facades and helpers that
/// read the whole store back (every page of a listing, the whole change feed) so tests can check what was written.
/// </summary>
internal sealed class TestEngine : IAsyncDisposable
{
    public const string Ns = "tests";

    /// <summary>A fixed, realistic start time so ages and time ranges are exact.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public TestEngine(
        Action<KernelMemoryPlusOptions>? configure = null,
        InMemoryVectorStore? store = null,
        FakeTimeProvider? time = null,
        IEmbeddingGenerator<string, Embedding<float>>? embedder = null)
    {
        Store = store ?? new InMemoryVectorStore();
        Time = time ?? new FakeTimeProvider(Start);
        Embedder = embedder ?? new OfflineEmbeddingGenerator();
        Configure = configure;
        Engine = CreateEngine(Store, Time, Embedder, configure);
        Episodic = new EpisodicMemory(Engine);
        Semantic = new SemanticMemory(Engine);
        Procedural = new ProceduralMemory(Engine);
        Associative = new AssociativeMemory(Engine);
    }

    public InMemoryVectorStore Store { get; }

    public FakeTimeProvider Time { get; }

    public IEmbeddingGenerator<string, Embedding<float>> Embedder { get; }

    public Action<KernelMemoryPlusOptions>? Configure { get; }

    public MemoryEngine Engine { get; }

    public EpisodicMemory Episodic { get; }

    public SemanticMemory Semantic { get; }

    public ProceduralMemory Procedural { get; }

    public AssociativeMemory Associative { get; }

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static MemoryEngine CreateEngine(
        InMemoryVectorStore store,
        FakeTimeProvider time,
        IEmbeddingGenerator<string, Embedding<float>> embedder,
        Action<KernelMemoryPlusOptions>? configure = null)
    {
        var options = new KernelMemoryPlusOptions
        {
            // The fake clock fires a periodic timer once per elapsed period; tests advance it by weeks, so keep the
            // background flush rare. Tests that need the statistics written call FlushAsync.
            AccessFlushInterval = TimeSpan.FromDays(1),
        };
        configure?.Invoke(options);
        return new MemoryEngine(store, embedder, Options.Create(options), time);
    }

    /// <summary>A second engine over the same store, clock and embedder (a process restart).</summary>
    public MemoryEngine Reopen() => CreateEngine(Store, Time, Embedder, Configure);

    public Task<MemoryRecord> RememberAsync(
        string content,
        MemoryKind kind = MemoryKind.Episodic,
        IReadOnlyList<string>? tags = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        double? importance = null,
        string? sessionId = null,
        DateTimeOffset? occurredAt = null,
        DateTimeOffset? validFrom = null,
        DateTimeOffset? validTo = null,
        string ns = Ns) =>
        Engine.RememberAsync(new NewMemory
        {
            Namespace = ns,
            Content = content,
            Kind = kind,
            Tags = tags,
            Metadata = metadata,
            Importance = importance,
            SessionId = sessionId,
            OccurredAt = occurredAt,
            ValidFrom = validFrom,
            ValidTo = validTo,
        }, Ct);

    public Task<IReadOnlyList<RecallResult>> RecallAsync(string text, int limit = 10, MemoryFilter? filter = null, RetrievalWeights? weights = null, bool trackAccess = false, string ns = Ns) =>
        Engine.RecallAsync(new RecallQuery { Namespace = ns, Text = text, Limit = limit, Filter = filter, Weights = weights, TrackAccess = trackAccess }, Ct);

    /// <summary>Every memory of a namespace, following the cursor to the end.</summary>
    public static async Task<List<MemoryRecord>> ListAllAsync(MemoryEngine engine, string ns = Ns, MemoryFilter? filter = null, int pageSize = 100)
    {
        pageSize = Math.Min(pageSize, engine.Options.MaxResults);
        var all = new List<MemoryRecord>();
        string? cursor = null;
        do
        {
            var page = await engine.ListAsync(ns, filter, cursor, pageSize, Ct);
            all.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return all;
    }

    public Task<List<MemoryRecord>> ListAllAsync(string ns = Ns, MemoryFilter? filter = null) => ListAllAsync(Engine, ns, filter);

    /// <summary>The whole change feed (optionally of one namespace), following NextSince to the end.</summary>
    public static async Task<List<ChangeEvent>> AllChangesAsync(MemoryEngine engine, string? ns = null)
    {
        var all = new List<ChangeEvent>();
        long since = 0;
        while (true)
        {
            var page = await engine.GetChangesAsync(ns, since, Math.Min(1000, engine.Options.MaxResults), Ct);
            all.AddRange(page.Changes);
            since = page.NextSince;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    public Task<List<ChangeEvent>> AllChangesAsync(string? ns = null) => AllChangesAsync(Engine, ns);

    /// <summary>What the store holds, to prove a rejected call wrote nothing.</summary>
    public async Task<StoreSnapshot> SnapshotAsync(string ns = Ns) => new(
        Engine.LastSequence,
        (await AllChangesAsync()).Count,
        (await ListAllAsync(ns, new MemoryFilter { IncludeExpired = true })).Select(r => $"{r.Id}@{r.Version}").Order(StringComparer.Ordinal).ToList(),
        await Engine.ListNamespacesAsync(Ct));

    public ValueTask DisposeAsync() => Engine.DisposeAsync();

    internal sealed record StoreSnapshot(long LastSequence, int Changes, List<string> Memories, IReadOnlyList<string> Namespaces)
    {
        public void AssertSameAs(StoreSnapshot other)
        {
            Assert.Equal(other.LastSequence, LastSequence);
            Assert.Equal(other.Changes, Changes);
            Assert.Equal(other.Memories, Memories);
            Assert.Equal(other.Namespaces, Namespaces);
        }
    }
}

/// <summary>
/// A deterministic embedding generator with a configurable model id and size, reporting both through
/// <see cref="EmbeddingGeneratorMetadata"/> the way real providers do.
/// </summary>
internal sealed class FakeEmbeddingGenerator(string modelId, int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EmbeddingGeneratorMetadata _metadata = new("fake", null, modelId, dimensions);

    public int Calls;

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref Calls);
        var result = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            var vector = new float[dimensions];
            foreach (var c in value)
            {
                vector[c % dimensions] += 1;
            }

            vector[0] += 1;
            result.Add(new Embedding<float>(vector) { ModelId = modelId });
        }

        return Task.FromResult(result);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceKey is null && serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
