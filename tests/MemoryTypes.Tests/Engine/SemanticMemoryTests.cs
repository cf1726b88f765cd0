namespace KernelMemoryPlus.Tests.Engine;

public sealed class SemanticMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static NewFact Fact(string subject, string predicate, string value, bool multiValued = false, string? supersedes = null) =>
        new() { Namespace = TestEngine.Ns, Subject = subject, Predicate = predicate, Object = value, MultiValued = multiValued, Supersedes = supersedes };

    [Fact]
    public async Task AddFactAsync_StoresSubjectPredicateObjectWithDefaultSentence()
    {
        await using var t = new TestEngine();

        var result = await t.Semantic.AddFactAsync(Fact("Alice", "Lives In", "Paris"), Ct);

        Assert.Empty(result.Superseded);
        Assert.Equal(MemoryKind.Semantic, result.Fact.Kind);
        Assert.Equal("Alice", result.Fact.Subject);
        Assert.Equal("lives_in", result.Fact.Predicate);
        Assert.Equal("Paris", result.Fact.Object);
        Assert.Equal("Alice lives in Paris", result.Fact.Content);
        Assert.Null(result.Fact.ValidTo);
    }

    [Fact]
    public async Task AddFactAsync_NewValueForSameSubjectAndPredicate_ClosesTheOldFact()
    {
        await using var t = new TestEngine();
        var paris = (await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Paris"), Ct)).Fact;
        t.Time.Advance(TimeSpan.FromDays(10));
        var moved = TestEngine.Start.AddDays(10);

        var result = await t.Semantic.AddFactAsync(Fact("alice", "lives_in", "Berlin"), Ct);

        var closed = Assert.Single(result.Superseded);
        Assert.Equal(paris.Id, closed.Id);
        Assert.Equal(moved, closed.ValidTo);
        Assert.Equal(result.Fact.Id, closed.SupersededBy);
        Assert.Equal(2, closed.Version);
        Assert.Equal(paris.Id, result.Fact.Supersedes);

        var stored = await t.Engine.GetRequiredAsync(paris.Id, Ct);
        Assert.Equal(moved, stored.ValidTo);
        Assert.Equal(result.Fact.Id, stored.SupersededBy);

        var current = await t.Semantic.GetFactsAsync(TestEngine.Ns, "ALICE", cancellationToken: Ct);
        Assert.Equal(["Berlin"], current.Select(f => f.Object));

        var then = await t.Semantic.GetFactsAsync(TestEngine.Ns, "Alice", "lives in", asOf: TestEngine.Start.AddDays(5), cancellationToken: Ct);
        Assert.Equal(["Paris"], then.Select(f => f.Object));

        var history = await t.Semantic.GetHistoryAsync(TestEngine.Ns, "Alice", "lives in", Ct);
        Assert.Equal(["Paris", "Berlin"], history.Select(f => f.Object));

        // A plain recall of current memories no longer sees the old value; asking about the past does.
        Assert.DoesNotContain(await t.RecallAsync("where does Alice live"), r => r.Memory.Id == paris.Id);
        Assert.Contains(await t.RecallAsync("where does Alice live", filter: new MemoryFilter { ValidAt = TestEngine.Start.AddDays(5) }), r => r.Memory.Id == paris.Id);
        Assert.DoesNotContain(await t.RecallAsync("where does Alice live", filter: new MemoryFilter { ValidAt = TestEngine.Start.AddDays(5) }), r => r.Memory.Id == result.Fact.Id);
    }

    [Fact]
    public async Task AddFactAsync_SupersedeProducesCreatedAndUpdatedChanges()
    {
        await using var t = new TestEngine();
        var paris = (await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Paris"), Ct)).Fact;

        var berlin = (await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Berlin"), Ct)).Fact;

        var changes = await t.AllChangesAsync();
        Assert.Equal(
            [(ChangeOperation.Created, paris.Id, 1L), (ChangeOperation.Created, berlin.Id, 1L), (ChangeOperation.Updated, paris.Id, 2L)],
            changes.Select(c => (c.Operation, c.EntityId, c.Version)));
    }

    [Fact]
    public async Task AddFactAsync_ExplicitValidFrom_ClosesOldFactThere()
    {
        await using var t = new TestEngine();
        var job = (await t.Semantic.AddFactAsync(Fact("Bob", "works at", "Acme"), Ct)).Fact;
        t.Time.Advance(TimeSpan.FromDays(30));
        var changedJobs = TestEngine.Start.AddDays(20);

        var result = await t.Semantic.AddFactAsync(Fact("Bob", "works at", "Globex") with { ValidFrom = changedJobs }, Ct);

        Assert.Equal(changedJobs, Assert.Single(result.Superseded).ValidTo);
        Assert.Equal(["Acme"], (await t.Semantic.GetFactsAsync(TestEngine.Ns, "Bob", asOf: changedJobs.AddDays(-1), cancellationToken: Ct)).Select(f => f.Object));
        Assert.Equal(["Globex"], (await t.Semantic.GetFactsAsync(TestEngine.Ns, "Bob", asOf: changedJobs.AddDays(1), cancellationToken: Ct)).Select(f => f.Object));
        Assert.Equal(job.Id, result.Fact.Supersedes);
    }

    [Fact]
    public async Task AddFactAsync_MultiValued_DoesNotSupersede()
    {
        await using var t = new TestEngine();
        await t.Semantic.AddFactAsync(Fact("Carol", "likes", "jazz", multiValued: true), Ct);

        var second = await t.Semantic.AddFactAsync(Fact("Carol", "likes", "green tea", multiValued: true), Ct);

        Assert.Empty(second.Superseded);
        var likes = await t.Semantic.GetFactsAsync(TestEngine.Ns, "Carol", "likes", cancellationToken: Ct);
        Assert.Equal(["green tea", "jazz"], likes.Select(f => f.Object).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AddFactAsync_DifferentSubjectOrPredicate_DoesNotSupersede()
    {
        await using var t = new TestEngine();
        await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Paris"), Ct);

        var otherSubject = await t.Semantic.AddFactAsync(Fact("Bob", "lives in", "Rome"), Ct);
        var otherPredicate = await t.Semantic.AddFactAsync(Fact("Alice", "works in", "Lyon"), Ct);

        Assert.Empty(otherSubject.Superseded);
        Assert.Empty(otherPredicate.Superseded);
        Assert.Equal(["Paris", "Lyon"], (await t.Semantic.GetFactsAsync(TestEngine.Ns, "Alice", cancellationToken: Ct)).Select(f => f.Object));
    }

    [Fact]
    public async Task AddFactAsync_ExplicitSupersedes_WorksAcrossPredicates()
    {
        await using var t = new TestEngine();
        var acme = (await t.Semantic.AddFactAsync(Fact("Bob", "works at", "Acme"), Ct)).Fact;

        var result = await t.Semantic.AddFactAsync(Fact("Bob", "is", "retired", supersedes: acme.Id), Ct);

        Assert.Equal(acme.Id, Assert.Single(result.Superseded).Id);
        Assert.Equal(acme.Id, result.Fact.Supersedes);
        Assert.Equal(["retired"], (await t.Semantic.GetFactsAsync(TestEngine.Ns, "Bob", cancellationToken: Ct)).Select(f => f.Object));
        Assert.Equal(result.Fact.Id, (await t.Engine.GetRequiredAsync(acme.Id, Ct)).SupersededBy);
    }

    [Fact]
    public async Task AddFactAsync_SupersedesUnknownOrClosedFact_IsRejectedAndWritesNothing()
    {
        await using var t = new TestEngine();
        var paris = (await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Paris"), Ct)).Fact;
        await t.Semantic.AddFactAsync(Fact("Alice", "lives in", "Berlin"), Ct);
        var before = await t.SnapshotAsync();

        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Semantic.AddFactAsync(Fact("Alice", "is", "tall", supersedes: "ffffffffffffffffffffffffffffffff"), Ct));
        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.AddFactAsync(Fact("Alice", "is", "tall", supersedes: paris.Id), Ct));

        Assert.Equal("supersedes", ex.Field);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Theory]
    [InlineData("", "lives in", "Paris", "subject")]
    [InlineData("Alice", " ", "Paris", "predicate")]
    [InlineData("Alice", "lives in", "", "object")]
    public async Task AddFactAsync_MissingPart_IsRejected(string subject, string predicate, string value, string field)
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.AddFactAsync(Fact(subject, predicate, value), Ct));

        Assert.Equal(field, ex.Field);
        Assert.Equal(0, t.Engine.LastSequence);
    }

    [Fact]
    public async Task UpsertEntityAsync_SameNameIgnoringCaseAndSpacing_IsOneEntity()
    {
        await using var t = new TestEngine();

        var first = await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Zoë Martin", "person", ["likes climbing"], cancellationToken: Ct);
        var second = await t.Semantic.UpsertEntityAsync(TestEngine.Ns, " zoË  MARTIN", "person", ["likes climbing", "speaks Portuguese"], cancellationToken: Ct);
        var third = await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "ZOË MARTIN", cancellationToken: Ct);

        Assert.Equal(first.Entity.Id, second.Entity.Id);
        Assert.Equal(first.Entity.Id, third.Entity.Id);
        Assert.Equal("Zoë Martin", third.Entity.Subject);
        Assert.Equal("person", third.Entity.Object);
        Assert.True(SemanticMemory.IsEntity(third.Entity));
        Assert.Single(await t.Semantic.ListEntitiesAsync(TestEngine.Ns, Ct));
        Assert.Equal(["likes climbing", "speaks Portuguese"], third.Facts.Select(f => f.Object).Order(StringComparer.Ordinal));
        Assert.All(third.Facts, f => Assert.Equal("observation", f.Predicate));
    }

    [Fact]
    public async Task UpsertEntityAsync_SameNameIgnoringAccents_IsOneEntity()
    {
        await using var t = new TestEngine();

        var accented = await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Zoë Martin", "person", cancellationToken: Ct);
        var plain = await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Zoe Martin", "person", cancellationToken: Ct);
        var fact = await t.Semantic.AddFactAsync(Fact("Zoe Martin", "lives in", "Porto"), Ct);

        Assert.Equal(accented.Entity.Id, plain.Entity.Id);
        Assert.Single(await t.Semantic.ListEntitiesAsync(TestEngine.Ns, Ct));
        Assert.Equal([fact.Fact.Id], (await t.Semantic.GetFactsAsync(TestEngine.Ns, "Zoë Martin", cancellationToken: Ct)).Select(f => f.Id));
    }

    [Fact]
    public async Task UpsertEntityAsync_Observations_AreStoredAsRecallableFacts()
    {
        await using var t = new TestEngine();

        await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Dana", "person", ["allergic to peanuts", "prefers morning meetings"], cancellationToken: Ct);

        var results = await t.RecallAsync("peanut allergy");
        Assert.Equal("Dana: allergic to peanuts", results[0].Memory.Content);
        Assert.Equal("Dana", results[0].Memory.Subject);
    }

    [Fact]
    public async Task RelateAsync_CreatesTypedLinkAndMissingEntities_ShownByGetEntity()
    {
        await using var t = new TestEngine();
        await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Dana", "person", ["leads the platform team"], cancellationToken: Ct);

        var link = await t.Semantic.RelateAsync(TestEngine.Ns, "dana", "works at", "Acme Corp", 0.8, cancellationToken: Ct);

        var dana = await t.Semantic.GetEntityAsync(TestEngine.Ns, "Dana", cancellationToken: Ct);
        var acme = await t.Semantic.GetEntityAsync(TestEngine.Ns, "acme corp", cancellationToken: Ct);
        Assert.NotNull(dana);
        Assert.NotNull(acme);
        Assert.Equal("works_at", link.Type);
        Assert.Equal(dana.Entity.Id, link.FromId);
        Assert.Equal(acme.Entity.Id, link.ToId);
        Assert.Equal(0.8, link.Weight);
        Assert.Equal([link.Id], dana.Relations.Select(r => r.Id));
        Assert.Equal([link.Id], acme.Relations.Select(r => r.Id));
        Assert.Equal(["leads the platform team"], dana.Facts.Select(f => f.Object));
        Assert.Equal("thing", acme.Entity.Object);
        Assert.Equal(2, (await t.Semantic.ListEntitiesAsync(TestEngine.Ns, Ct)).Count);
    }

    [Fact]
    public async Task RelateAsync_SameRelationTwice_KeepsOneLink()
    {
        await using var t = new TestEngine();

        var first = await t.Semantic.RelateAsync(TestEngine.Ns, "Dana", "works at", "Acme", 0.5, cancellationToken: Ct);
        var second = await t.Semantic.RelateAsync(TestEngine.Ns, "Dana", "works_at", "Acme", 0.9, cancellationToken: Ct);

        Assert.Equal(first.Id, second.Id);
        var dana = await t.Semantic.GetEntityAsync(TestEngine.Ns, "Dana", cancellationToken: Ct);
        Assert.Equal(0.9, Assert.Single(dana!.Relations).Weight);
    }

    [Fact]
    public async Task GetEntityAsync_UnknownName_ReturnsNull()
    {
        await using var t = new TestEngine();
        await t.Semantic.AddFactAsync(Fact("Nobody", "is", "an entity"), Ct);

        Assert.Null(await t.Semantic.GetEntityAsync(TestEngine.Ns, "Nobody", cancellationToken: Ct));
    }

    [Fact]
    public async Task GetEntityAsync_AsOf_ShowsFactsValidThen()
    {
        await using var t = new TestEngine();
        await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Eve", "person", cancellationToken: Ct);
        await t.Semantic.AddFactAsync(Fact("Eve", "role", "engineer"), Ct);
        t.Time.Advance(TimeSpan.FromDays(100));
        await t.Semantic.AddFactAsync(Fact("Eve", "role", "manager"), Ct);

        var now = await t.Semantic.GetEntityAsync(TestEngine.Ns, "Eve", cancellationToken: Ct);
        var then = await t.Semantic.GetEntityAsync(TestEngine.Ns, "Eve", asOf: TestEngine.Start.AddDays(50), cancellationToken: Ct);

        Assert.Equal(["manager"], now!.Facts.Select(f => f.Object));
        Assert.Equal(["engineer"], then!.Facts.Select(f => f.Object));
    }
}
