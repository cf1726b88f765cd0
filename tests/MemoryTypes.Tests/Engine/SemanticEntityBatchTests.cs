namespace KernelMemoryPlus.Tests.Engine;

public sealed class SemanticEntityBatchTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UpsertEntitiesAsync_CreatesNewEntities_AddsOnlyMissingObservations()
    {
        await using var t = new TestEngine();
        await t.Semantic.UpsertEntityAsync(TestEngine.Ns, "Alice", "person", ["likes tea"], cancellationToken: Ct);

        var results = await t.Semantic.UpsertEntitiesAsync(TestEngine.Ns,
        [
            new NewEntity("alice", "robot", ["likes tea", "plays chess"]),
            new NewEntity("Bob", "person", ["works at Acme", "works at Acme"]),
            new NewEntity("BOB", "person", ["rides a bike"]),
        ], cancellationToken: Ct);

        Assert.Equal(2, results.Count);
        Assert.False(results[0].Created);
        Assert.Equal("person", results[0].Entity.Object);
        Assert.Equal(["plays chess"], results[0].AddedObservations);
        Assert.True(results[1].Created);
        Assert.Equal("Bob", results[1].Entity.Subject);
        Assert.Equal(["works at Acme", "rides a bike"], results[1].AddedObservations);

        var views = await t.Semantic.GetEntitiesAsync(TestEngine.Ns, ["ALICE", "bob", "nobody"], cancellationToken: Ct);
        Assert.Equal(["Alice", "Bob"], views.Select(v => v.Entity.Subject));
        Assert.Equal(["likes tea", "plays chess"], views[0].Facts.Select(SemanticMemory.ObservationText));
        Assert.Equal(["works at Acme", "rides a bike"], views[1].Facts.Select(SemanticMemory.ObservationText));
    }

    [Fact]
    public async Task UpsertEntitiesAsync_RunConcurrently_StoreEachEntityAndObservationOnce()
    {
        await using var t = new TestEngine();
        var batch = Enumerable.Range(0, 20).Select(i => new NewEntity($"Entity {i}", "thing", [$"fact {i}"])).ToList();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => t.Semantic.UpsertEntitiesAsync(TestEngine.Ns, batch, cancellationToken: Ct), Ct)));

        var all = await t.Semantic.GetEntitiesAsync(TestEngine.Ns, null, cancellationToken: Ct);
        Assert.Equal(20, all.Count);
        Assert.All(all, v => Assert.Single(v.Facts));
    }

    [Fact]
    public async Task UpsertEntitiesAsync_InvalidItem_NamesItAndStoresNothing()
    {
        await using var t = new TestEngine();

        var error = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.UpsertEntitiesAsync(TestEngine.Ns,
            [new NewEntity("Fine", "thing", ["ok"]), new NewEntity(" ", "thing")], cancellationToken: Ct));

        Assert.Equal("entities[1].name", error.ParamName);
        Assert.Empty(await t.Semantic.GetEntitiesAsync(TestEngine.Ns, null, cancellationToken: Ct));
    }

    [Fact]
    public async Task GetEntitiesAsync_ReturnsRelationsInBothDirections_AndHistoryOnRequest()
    {
        await using var t = new TestEngine();
        await t.Semantic.RelateAsync(TestEngine.Ns, "Alice", "works at", "Acme", cancellationToken: Ct);
        await t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "Acme", Predicate = "ceo", Object = "Dana" }, Ct);
        t.Time.Advance(TimeSpan.FromDays(1));
        await t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "acme", Predicate = "ceo", Object = "Eve" }, Ct);

        var acme = Assert.Single(await t.Semantic.GetEntitiesAsync(TestEngine.Ns, ["Acme"], cancellationToken: Ct));
        var history = Assert.Single(await t.Semantic.GetEntitiesAsync(TestEngine.Ns, ["Acme"], includeHistory: true, cancellationToken: Ct));

        var link = Assert.Single(acme.Relations);
        Assert.Equal("works_at", link.Type);
        Assert.Equal(acme.Entity.Id, link.ToId);
        Assert.Equal(["Eve"], acme.Facts.Select(f => f.Object));
        Assert.Equal(["Dana", "Eve"], history.Facts.Select(f => f.Object));
    }

    [Fact]
    public async Task FindEntitiesContainingAsync_MatchesNamesTypesAndCurrentFactsAsWritten()
    {
        await using var t = new TestEngine();
        await t.Semantic.UpsertEntitiesAsync(TestEngine.Ns,
        [
            new NewEntity("Alice Smith", "person", ["enjoys bouldering"]),
            new NewEntity("Bob", "organisation"),
            new NewEntity("Carol", "person"),
        ], cancellationToken: Ct);
        await t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "Carol", Predicate = "city", Object = "Lisbon", Content = "Carol moved" }, Ct);
        t.Time.Advance(TimeSpan.FromDays(1));
        await t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "Carol", Predicate = "city", Object = "Porto", Content = "Carol moved again" }, Ct);

        Assert.Equal(["alice smith"], await t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "BOULDER", Ct));
        Assert.Equal(["alice smith"], await t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "ice smi", Ct));
        Assert.Equal(["bob"], await t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "organis", Ct));
        Assert.Equal(["carol"], await t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "porto", Ct));
        Assert.Empty(await t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "lisbon", Ct));
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.FindEntitiesContainingAsync(TestEngine.Ns, "a\0b", Ct));
    }

    [Fact]
    public async Task FindEntitiesAsync_ReadsTheContainingEntitiesThenTheNamedOnes_EachOnceWithItsCurrentFacts()
    {
        await using var t = new TestEngine();
        await t.Semantic.UpsertEntitiesAsync(TestEngine.Ns,
        [
            new NewEntity("Alice Smith", "person", ["enjoys bouldering", "lives in Porto"]),
            new NewEntity("Bob", "organisation"),
            new NewEntity("Carol", "person", ["went to Porto once"]),
        ], cancellationToken: Ct);
        await t.Semantic.RelateAsync(TestEngine.Ns, "Alice Smith", "works_at", "Bob", cancellationToken: Ct);

        var found = await t.Semantic.FindEntitiesAsync(TestEngine.Ns, "PORTO", ["Bob", "carol", "Nobody", "bob"], Ct);

        Assert.Equal(["alice smith", "carol", "bob"], found.Select(m => m.Key));
        Assert.Equal([true, true, false], found.Select(m => m.ContainsText));
        Assert.Equal(["Alice Smith", "Carol", "Bob"], found.Select(m => m.View.Entity.Subject));
        Assert.Equal(2, found[0].View.Facts.Count);
        Assert.Single(found[2].View.Relations);
        await Assert.ThrowsAsync<MemoryValidationException>(() => t.Semantic.FindEntitiesAsync(TestEngine.Ns, "", [], Ct));
    }
}
