using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Storage.InMemory;
using Microsoft.Extensions.Time.Testing;

namespace KernelMemoryPlus.Tests.Engine;

public sealed class ValidationTests
{
    private const string UnknownId = "0000000000000000000000000000abcd";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static NewMemory Valid => new() { Namespace = TestEngine.Ns, Content = "A perfectly fine memory" };

    /// <summary>An engine with one memory in it, small limits, and a snapshot of the store to compare with afterwards.</summary>
    private static async Task<(TestEngine T, MemoryRecord Existing, TestEngine.StoreSnapshot Before)> SeededAsync()
    {
        var t = new TestEngine(o =>
        {
            o.MaxContentLength = 100;
            o.MaxTags = 3;
            o.MaxMetadataEntries = 2;
            o.MaxMetadataValueLength = 10;
            o.MaxResults = 50;
        });
        var existing = await t.RememberAsync("Existing memory");
        return (t, existing, await t.SnapshotAsync());
    }

    public static TheoryData<string, NewMemory> InvalidMemories => new()
    {
        { "content", Valid with { Content = "" } },
        { "content", Valid with { Content = "   \n\t" } },
        { "content", Valid with { Content = new string('x', 101) } },
        { "content", Valid with { Content = "nul\0inside" } },
        { "namespace", Valid with { Namespace = "" } },
        { "namespace", Valid with { Namespace = "has spaces" } },
        { "namespace", Valid with { Namespace = "../x" } },
        { "namespace", Valid with { Namespace = "a/../b" } },
        { "namespace", Valid with { Namespace = "trailing/" } },
        { "namespace", Valid with { Namespace = new string('n', 200) } },
        { "namespace", Valid with { Namespace = "ünïcödé" } },
        { "namespace", Valid with { Namespace = "名前" } },
        { "namespace", Valid with { Namespace = "tab\there" } },
        { "importance", Valid with { Importance = double.NaN } },
        { "importance", Valid with { Importance = 1.01 } },
        { "importance", Valid with { Importance = -0.5 } },
        { "importance", Valid with { Importance = double.PositiveInfinity } },
        { "kind", Valid with { Kind = (MemoryKind)42 } },
        { "tags", Valid with { Tags = ["a", "b", "c", "d"] } },
        { "tags[1]", Valid with { Tags = ["ok", " "] } },
        { "tags[0]", Valid with { Tags = [new string('t', 65)] } },
        { "tags[0]", Valid with { Tags = ["line\nbreak"] } },
        { "metadata", Valid with { Metadata = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2", ["c"] = "3" } } },
        { "metadata.bad key", Valid with { Metadata = new Dictionary<string, string> { ["bad key"] = "1" } } },
        { "metadata.k", Valid with { Metadata = new Dictionary<string, string> { ["k"] = "value that is too long" } } },
        { "validTo", Valid with { ValidFrom = TestEngine.Start, ValidTo = TestEngine.Start } },
        { "validTo", Valid with { ValidFrom = TestEngine.Start, ValidTo = TestEngine.Start.AddDays(-1) } },
        { "sessionId", Valid with { SessionId = new string('s', 513) } },
        { "author", Valid with { Author = "bad\u0001author" } },
        { "steps[0]", Valid with { Kind = MemoryKind.Procedural, Steps = [""] } },
    };

    [Theory]
    [MemberData(nameof(InvalidMemories))]
    public async Task RememberAsync_InvalidInput_ThrowsNamingTheFieldAndStoresNothing(string field, NewMemory memory)
    {
        var (t, _, before) = await SeededAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RememberAsync(memory, Ct));

        Assert.Equal(field, ex.Field);
        Assert.Equal(field, ex.ParamName);
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
        Assert.DoesNotContain("(Parameter", ex.Message, StringComparison.Ordinal);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task RememberAsync_ContentAtTheLimit_IsAccepted()
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        var stored = await t.Engine.RememberAsync(Valid with { Content = new string('x', 100) }, Ct);

        Assert.Equal(100, stored.Content.Length);
    }

    [Theory]
    [InlineData("a")]
    [InlineData("agent-7")]
    [InlineData("org.acme/team_a:agent-1")]
    [InlineData("0123")]
    public async Task RememberAsync_ValidNamespaceNames_AreAccepted(string ns)
    {
        await using var t = new TestEngine();

        var stored = await t.RememberAsync("hello", ns: ns);

        Assert.Equal(ns, stored.Namespace);
        Assert.Contains(ns, await t.Engine.ListNamespacesAsync(Ct));
    }

    [Fact]
    public async Task RememberAsync_NamespaceOfMaximumLength_IsAcceptedAndOneMoreIsNot()
    {
        await using var t = new TestEngine();

        await t.RememberAsync("hello", ns: new string('n', 128));
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.RememberAsync("hello", ns: new string('n', 129)));

        Assert.Equal("namespace", ex.Field);
    }

    [Fact]
    public async Task RememberAsync_Null_ThrowsArgumentNull()
    {
        await using var t = new TestEngine();

        await Assert.ThrowsAsync<ArgumentNullException>(() => t.Engine.RememberAsync(null!, Ct));
    }

    [Fact]
    public async Task GetAsync_UnknownId_ReturnsNull()
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        Assert.Null(await t.Engine.GetAsync(UnknownId, Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("bad\nid")]
    public async Task GetAsync_MalformedId_ThrowsNamingId(string id)
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        Assert.Equal("id", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetAsync(id, Ct))).Field);
    }

    [Fact]
    public async Task GetAsync_OverlongId_ThrowsNamingId()
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        Assert.Equal("id", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetAsync(new string('f', 129), Ct))).Field);
    }

    [Fact]
    public async Task UpdateAndForget_UnknownId_BehaveAsDocumented()
    {
        var (t, _, before) = await SeededAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.UpdateAsync(UnknownId, new MemoryUpdate { Content = "new" }, cancellationToken: Ct));
        var forgotten = await t.Engine.ForgetAsync(UnknownId, cancellationToken: Ct);

        Assert.Equal(UnknownId, ex.Id);
        Assert.False(forgotten);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.GetLinksAsync(UnknownId, cancellationToken: Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.ExploreAsync(UnknownId, cancellationToken: Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.UnlinkAsync(UnknownId, UnknownId + "0", cancellationToken: Ct));
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    public static TheoryData<string, MemoryUpdate> InvalidUpdates => new()
    {
        { "content", new MemoryUpdate { Content = "" } },
        { "content", new MemoryUpdate { Content = new string('x', 101) } },
        { "importance", new MemoryUpdate { Importance = double.NaN } },
        { "importance", new MemoryUpdate { Importance = 2 } },
        { "tags[0]", new MemoryUpdate { Tags = [""] } },
        { "metadata.no spaces", new MemoryUpdate { Metadata = new Dictionary<string, string> { ["no spaces"] = "x" } } },
        { "steps[0]", new MemoryUpdate { Steps = ["  "] } },
        { "author", new MemoryUpdate { Author = new string('a', 600) } },
    };

    [Theory]
    [MemberData(nameof(InvalidUpdates))]
    public async Task UpdateAsync_InvalidInput_ThrowsNamingTheFieldAndChangesNothing(string field, MemoryUpdate update)
    {
        var (t, existing, before) = await SeededAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.UpdateAsync(existing.Id, update, cancellationToken: Ct));

        Assert.Equal(field, ex.Field);
        (await t.SnapshotAsync()).AssertSameAs(before);
        Assert.Equal(existing.Content, (await t.Engine.GetRequiredAsync(existing.Id, Ct)).Content);
    }

    [Fact]
    public async Task UpdateAndForget_StaleVersion_ThrowConflictAndChangeNothing()
    {
        var (t, existing, _) = await SeededAsync();
        await using var _t = t;
        await t.Engine.UpdateAsync(existing.Id, new MemoryUpdate { Importance = 0.9 }, cancellationToken: Ct);
        var before = await t.SnapshotAsync();

        var update = await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.UpdateAsync(existing.Id, new MemoryUpdate { Importance = 0.1 }, expectedVersion: 1, cancellationToken: Ct));
        var future = await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.UpdateAsync(existing.Id, new MemoryUpdate { Importance = 0.1 }, expectedVersion: 3, cancellationToken: Ct));
        var forget = await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.ForgetAsync(existing.Id, expectedVersion: 1, cancellationToken: Ct));

        Assert.Equal((1L, 2L), (update.ExpectedVersion, update.CurrentVersion));
        Assert.Equal((3L, 2L), (future.ExpectedVersion, future.CurrentVersion));
        Assert.Equal((1L, 2L), (forget.ExpectedVersion, forget.CurrentVersion));
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    public static TheoryData<string, MemoryFilter> InvalidFilters => new()
    {
        { "filter.from", new MemoryFilter { From = TestEngine.Start, To = TestEngine.Start.AddDays(-1) } },
        { "filter.tags[0]", new MemoryFilter { Tags = [""] } },
        { "filter.tags", new MemoryFilter { Tags = ["a", "b", "c", "d"] } },
        { "filter.anyTags[1]", new MemoryFilter { AnyTags = ["ok", new string('x', 100)] } },
        { "filter.metadata.bad/key", new MemoryFilter { Metadata = new Dictionary<string, string> { ["bad/key"] = "v" } } },
        { "filter.kinds", new MemoryFilter { Kinds = [(MemoryKind)7] } },
        { "filter.sessionId", new MemoryFilter { SessionId = "bad\u0000session" } },
    };

    [Theory]
    [MemberData(nameof(InvalidFilters))]
    public async Task RecallAndList_MalformedFilter_ThrowNamingTheField(string field, MemoryFilter filter)
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        var recall = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "memory", Filter = filter }, Ct));
        var list = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.ListAsync(TestEngine.Ns, filter, cancellationToken: Ct));

        Assert.Equal(field, recall.Field);
        Assert.Equal(field, list.Field);
    }

    [Fact]
    public async Task Filter_FromEqualsTo_IsAnEmptyRangeNotAnError()
    {
        var (t, _, _) = await SeededAsync();
        await using var _t = t;

        var page = await t.Engine.ListAsync(TestEngine.Ns, new MemoryFilter { From = TestEngine.Start, To = TestEngine.Start }, cancellationToken: Ct);

        Assert.Empty(page.Items);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(51)]
    [InlineData(int.MaxValue)]
    public async Task BadLimits_AreRejectedNamingLimit(int limit)
    {
        var (t, existing, _) = await SeededAsync();
        await using var _t = t;

        var errors = new[]
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.ListAsync(TestEngine.Ns, limit: limit, cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "memory", Limit = limit }, Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetChangesAsync(null, 0, limit, Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.ExploreAsync(existing.Id, limit: limit, cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.TimelineAsync(TestEngine.Ns, limit: limit, cancellationToken: Ct)),
        };

        Assert.All(errors, e => Assert.Equal("limit", e.Field));
    }

    public static TheoryData<string, RecallQuery> InvalidQueries => new()
    {
        { "text", new RecallQuery { Namespace = TestEngine.Ns, Text = "" } },
        { "text", new RecallQuery { Namespace = TestEngine.Ns, Text = new string('q', 101) } },
        { "namespace", new RecallQuery { Namespace = "../etc", Text = "q" } },
        { "minScore", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", MinScore = double.NaN } },
        { "minScore", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", MinScore = 1.5 } },
        { "diversity", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Diversity = -0.1 } },
        { "diversity", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Diversity = double.NaN } },
        { "spreadDepth", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", SpreadDepth = 4 } },
        { "spreadDepth", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", SpreadDepth = -1 } },
        { "weights.Relevance", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Relevance = -1 } } },
        { "weights.Recency", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Recency = double.NaN } } },
        { "weights.Fuzzy", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Fuzzy = 101 } } },
        { "weights.Time", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Time = -0.5 } } },
        { "weights", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Relevance = 0, Recency = 0, Importance = 0, Frequency = 0 } } },
        { "weights", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { Vector = 0, Keyword = 0, Fuzzy = 0 } } },
        { "weights.RecencyHalfLife", new RecallQuery { Namespace = TestEngine.Ns, Text = "q", Weights = new RetrievalWeights { RecencyHalfLife = TimeSpan.Zero } } },
    };

    [Theory]
    [MemberData(nameof(InvalidQueries))]
    public async Task RecallAsync_InvalidQuery_ThrowsNamingTheField(string field, RecallQuery query)
    {
        var (t, _, before) = await SeededAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RecallAsync(query, Ct));

        Assert.Equal(field, ex.Field);
        (await t.SnapshotAsync()).AssertSameAs(before);
        Assert.Equal(0, (await t.Engine.GetRequiredAsync((await t.ListAllAsync())[0].Id, Ct)).AccessCount);
    }

    [Theory]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("../escape")]
    [InlineData("ünïcode")]
    public async Task ReadsAndFacades_InvalidNamespace_ThrowNamingNamespace(string ns)
    {
        var (t, _, before) = await SeededAsync();
        await using var _t = t;

        var errors = new[]
        {
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.ListAsync(ns, cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetChangesAsync(ns, 0, 10, Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.GetStatsAsync(ns, Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.TimelineAsync(ns, limit: 10, cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Episodic.RecordEventAsync(ns, "event", cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.AddFactAsync(new NewFact { Namespace = ns, Subject = "s", Predicate = "p", Object = "o" }, Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.UpsertEntityAsync(ns, "Dana", cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.RecordAsync(ns, "p", "d", ["s"], cancellationToken: Ct)),
            await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.FindAsync(ns, "task", cancellationToken: Ct)),
        };

        Assert.All(errors, e => Assert.Equal("namespace", e.Field));
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task RejectedWrites_AcrossTheApi_LeaveTheStoreUnchanged()
    {
        var (t, existing, before) = await SeededAsync();
        await using var _t = t;

        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RememberManyAsync([Valid, Valid with { Content = "" }], Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.LinkAsync(new NewLink { FromId = existing.Id, ToId = existing.Id }, Ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.LinkAsync(new NewLink { FromId = existing.Id, ToId = UnknownId }, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.LinkAsync(new NewLink { FromId = existing.Id, ToId = UnknownId, Weight = double.NaN }, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.LinkAsync(new NewLink { FromId = existing.Id, ToId = UnknownId, Type = "no spaces allowed" }, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.ReportOutcomeAsync(existing.Id, true, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "s", Predicate = "p", Object = "o", Importance = 3 }, Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.RelateAsync(TestEngine.Ns, "", "knows", "Bob", cancellationToken: Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.RelateAsync(TestEngine.Ns, "Ann", "knows", "Bob", weight: 7, cancellationToken: Ct));

        var after = await t.SnapshotAsync();
        Assert.Equal(before.LastSequence, after.LastSequence);
        Assert.Equal(before.Changes, after.Changes);
        Assert.Empty(await t.Engine.GetLinksAsync(existing.Id, cancellationToken: Ct));
        Assert.Empty(await t.Semantic.ListEntitiesAsync(TestEngine.Ns, Ct));
        after.AssertSameAs(before);
    }

    [Fact]
    public void Options_InvalidSettings_FailAtConstructionNamingTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new TestEngine(o => o.MaxContentLength = 0));
        var weights = Assert.Throws<InvalidOperationException>(() => new TestEngine(o => o.Weights = new RetrievalWeights { Keyword = -1 }));

        Assert.Contains("MaxContentLength", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Weights.Keyword", weights.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EngineOpenedWithOtherDimensions_ThrowsMismatchNamingBoth()
    {
        var store = new InMemoryVectorStore();
        var time = new FakeTimeProvider(TestEngine.Start);
        await using (var first = new TestEngine(store: store, time: time))
        {
            await first.RememberAsync("written with the offline model");
        }

        await using var second = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator(OfflineEmbeddingGenerator.DefaultModelId, 256));
        var ex = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => second.Engine.InitializeAsync(Ct));

        Assert.Contains("384", ex.Message, StringComparison.Ordinal);
        Assert.Contains("256", ex.Message, StringComparison.Ordinal);
        Assert.Equal(384, ex.Expected!.Dimensions);
        Assert.Equal(256, ex.ActualDimensions);
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => second.RememberAsync("must not be written"));
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => second.RecallAsync("anything"));
    }

    [Fact]
    public async Task EngineOpenedWithOtherModel_ThrowsMismatchNamingBoth()
    {
        var store = new InMemoryVectorStore();
        var time = new FakeTimeProvider(TestEngine.Start);
        await using (var first = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator("model-a", 64)))
        {
            await first.RememberAsync("written with model a");
        }

        await using var second = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator("model-b", 64));
        var ex = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => second.RememberAsync("must not be written"));

        Assert.Contains("'model-a'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'model-b'", ex.Message, StringComparison.Ordinal);
        Assert.Equal("model-a", ex.Expected!.ModelId);
        Assert.Equal("model-b", ex.ActualModelId);

        // The original model still opens it, and nothing was written by the rejected engine.
        await using var third = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator("model-a", 64));
        Assert.Equal(["written with model a"], (await third.ListAllAsync()).Select(r => r.Content));
        Assert.Single(await third.AllChangesAsync());
    }

    [Fact]
    public async Task EngineOpenedWithSameModelTaggedLatest_IsCompatible()
    {
        var store = new InMemoryVectorStore();
        var time = new FakeTimeProvider(TestEngine.Start);
        await using (var first = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator("all-minilm", 64)))
        {
            await first.RememberAsync("written with all-minilm");
        }

        await using var second = new TestEngine(store: store, time: time, embedder: new FakeEmbeddingGenerator("all-minilm:latest", 64));

        await second.RememberAsync("written with all-minilm:latest");
        Assert.Equal(2, (await second.ListAllAsync()).Count);
    }

    [Fact]
    public async Task PrecomputedEmbedding_WrongDimension_IsRejectedAndNothingStored()
    {
        var (t, _, before) = await SeededAsync();
        await using var _t = t;

        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => t.Engine.RememberAsync(Valid with { Embedding = new float[10] }, Ct));
        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => t.Engine.RememberManyAsync([Valid, Valid with { Embedding = new float[385] }], Ct));
        var model = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => t.Engine.RememberAsync(Valid with { Embedding = new float[384], EmbeddingModel = "text-embedding-3-small" }, Ct));

        Assert.Contains("text-embedding-3-small", model.Message, StringComparison.Ordinal);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task PrecomputedEmbedding_RightDimension_IsUsedInsteadOfEmbedding()
    {
        var embedder = new FakeEmbeddingGenerator("model-a", 8);
        await using var t = new TestEngine(embedder: embedder);
        await t.Engine.InitializeAsync(Ct);
        var callsBefore = embedder.Calls;
        var vector = new float[] { 0, 0, 0, 0, 0, 0, 0, 1 };

        var stored = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "precomputed", Embedding = vector, EmbeddingModel = "model-a" }, Ct);

        Assert.Equal(callsBefore, embedder.Calls);
        Assert.Equal("model-a", stored.EmbeddingModel);
        Assert.Single(await t.ListAllAsync());
    }
}
