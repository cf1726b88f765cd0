namespace KernelMemoryPlus.Tests.Engine;

public sealed class AssociativeMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<(TestEngine T, MemoryRecord A, MemoryRecord B, MemoryRecord C, MemoryRecord D)> ChainAsync()
    {
        var t = new TestEngine();
        var a = await t.RememberAsync("Smoke alarm went off in the kitchen");
        var b = await t.RememberAsync("The toast was burnt");
        var c = await t.RememberAsync("The toaster setting is too high");
        var d = await t.RememberAsync("Buy a new toaster");
        return (t, a, b, c, d);
    }

    [Fact]
    public async Task LinkAsync_StoresTypedWeightedLink_ListedFromBothEnds()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;

        var link = await t.Associative.LinkAsync(a.Id, b.Id, "Caused_By", 0.7, author: "agent", cancellationToken: Ct);

        Assert.StartsWith(a.Id + "|", link.Id, StringComparison.Ordinal);
        Assert.EndsWith("|" + b.Id, link.Id, StringComparison.Ordinal);
        Assert.DoesNotContain("caused_by", link.Id, StringComparison.Ordinal); // the type is sealed at rest, ids are not
        Assert.Equal("caused_by", link.Type);
        Assert.Equal(0.7, link.Weight);
        Assert.Equal(0.7, link.EffectiveWeight);
        Assert.Equal(TestEngine.Start, link.CreatedAt);
        Assert.Equal("agent", link.Author);
        Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct)).Select(l => l.Id));
        Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(b.Id, cancellationToken: Ct)).Select(l => l.Id));
        Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(a.Id, LinkDirection.Outgoing, Ct)).Select(l => l.Id));
        Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(b.Id, LinkDirection.Incoming, Ct)).Select(l => l.Id));
        Assert.Empty(await t.Associative.GetLinksAsync(b.Id, LinkDirection.Outgoing, Ct));
        Assert.Empty(await t.Associative.GetLinksAsync(a.Id, LinkDirection.Incoming, Ct));
    }

    [Fact]
    public async Task LinkAsync_Bidirectional_IsOutgoingAndIncomingAtBothEnds()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;

        var link = await t.Associative.LinkAsync(a.Id, b.Id, bidirectional: true, cancellationToken: Ct);

        foreach (var id in new[] { a.Id, b.Id })
        {
            Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(id, LinkDirection.Outgoing, Ct)).Select(l => l.Id));
            Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(id, LinkDirection.Incoming, Ct)).Select(l => l.Id));
        }

        // Explored from either end.
        Assert.Equal([a.Id], (await t.Associative.ExploreAsync(b.Id, depth: 1, cancellationToken: Ct)).Select(x => x.Memory.Id));
        Assert.Equal([b.Id], (await t.Associative.ExploreAsync(a.Id, depth: 1, cancellationToken: Ct)).Select(x => x.Memory.Id));
    }

    [Fact]
    public async Task LinkAsync_SameTypeAgain_UpdatesTheLinkInsteadOfAddingOne()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, "causes", 0.3, cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, b.Id, "part_of", 0.4, cancellationToken: Ct);

        await t.Associative.LinkAsync(a.Id, b.Id, "causes", 0.9, cancellationToken: Ct);

        var links = await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct);
        Assert.Equal([("causes", 0.9), ("part_of", 0.4)], links.Select(l => (l.Type, l.Weight)));
        Assert.Equal(0.9, Assert.Single(await t.Engine.GetLinksAsync(a.Id, type: "CAUSES", cancellationToken: Ct)).Weight);
    }

    [Fact]
    public async Task UnlinkAsync_RemovesTheLinkFromBothEnds()
    {
        var (t, a, b, c, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, "causes", cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, b.Id, "part_of", cancellationToken: Ct);
        var keep = await t.Associative.LinkAsync(a.Id, c.Id, cancellationToken: Ct);

        Assert.Equal(1, await t.Associative.UnlinkAsync(a.Id, b.Id, "causes", Ct));
        Assert.Equal(1, await t.Associative.UnlinkAsync(a.Id, b.Id, cancellationToken: Ct));
        Assert.Equal(0, await t.Associative.UnlinkAsync(a.Id, b.Id, cancellationToken: Ct));

        Assert.Equal([keep.Id], (await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct)).Select(l => l.Id));
        Assert.Empty(await t.Associative.GetLinksAsync(b.Id, cancellationToken: Ct));

        // Gone from the store too.
        await using var reopened = t.Reopen();
        Assert.Empty(await reopened.GetLinksAsync(b.Id, cancellationToken: Ct));
        Assert.Single(await reopened.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Fact]
    public async Task UnlinkAsync_BidirectionalFromTheOtherEnd_RemovesIt()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, bidirectional: true, cancellationToken: Ct);

        Assert.Equal(1, await t.Associative.UnlinkAsync(b.Id, a.Id, cancellationToken: Ct));
        Assert.Empty(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Fact]
    public async Task UnlinkAsync_OneWayLinkFromTheOtherEnd_RemovesNothing()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, cancellationToken: Ct);

        Assert.Equal(0, await t.Associative.UnlinkAsync(b.Id, a.Id, cancellationToken: Ct));
        Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Fact]
    public async Task LinkAsync_MissingMemory_ThrowsNotFoundAndWritesNothing()
    {
        var (t, a, _, _, _) = await ChainAsync();
        await using var _t = t;
        var before = await t.SnapshotAsync();

        var to = await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Associative.LinkAsync(a.Id, "0000000000000000000000000000dead", cancellationToken: Ct));
        var from = await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Associative.LinkAsync("0000000000000000000000000000beef", a.Id, cancellationToken: Ct));

        Assert.Equal("0000000000000000000000000000dead", to.Id);
        Assert.Equal("0000000000000000000000000000beef", from.Id);
        (await t.SnapshotAsync()).AssertSameAs(before);
        Assert.Empty(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Fact]
    public async Task LinkAsync_SelfLink_IsRejected()
    {
        var (t, a, _, _, _) = await ChainAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Associative.LinkAsync(a.Id, a.Id, cancellationToken: Ct));

        Assert.Equal("toId", ex.Field);
        Assert.Empty(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Theory]
    [InlineData(1.5, "weight")]
    [InlineData(-0.1, "weight")]
    [InlineData(double.NaN, "weight")]
    public async Task LinkAsync_WeightOutOfRange_IsRejected(double weight, string field)
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Associative.LinkAsync(a.Id, b.Id, weight: weight, cancellationToken: Ct));

        Assert.Equal(field, ex.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public async Task LinkAsync_BadType_IsRejected(string type)
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Associative.LinkAsync(a.Id, b.Id, type, cancellationToken: Ct));

        Assert.Equal("type", ex.Field);
    }

    [Fact]
    public async Task GetLinksAsync_UnusedLink_FadesByHalfEveryHalfLife()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 0.8, cancellationToken: Ct);

        t.Time.Advance(t.Engine.Options.LinkHalfLife);
        var once = Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
        t.Time.Advance(t.Engine.Options.LinkHalfLife);
        var twice = Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));

        Assert.Equal(0.8, once.Weight);
        Assert.Equal(0.4, once.EffectiveWeight, 6);
        Assert.Equal(0.2, twice.EffectiveWeight, 6);
    }

    [Fact]
    public async Task GetLinksAsync_CustomHalfLife_IsHonoured()
    {
        await using var t = new TestEngine(o => o.LinkHalfLife = TimeSpan.FromDays(2));
        var a = await t.RememberAsync("a");
        var b = await t.RememberAsync("b");
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 1, cancellationToken: Ct);

        t.Time.Advance(TimeSpan.FromDays(1));

        Assert.Equal(Math.Sqrt(0.5), Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct)).EffectiveWeight, 6);
    }

    [Fact]
    public async Task RecallAsync_CoRecalledMemories_StrengthenTheirLink()
    {
        await using var t = new TestEngine();
        var a = await t.RememberAsync("Kitchen renovation budget is ten thousand");
        var b = await t.RememberAsync("Kitchen renovation starts in June");
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 0.5, cancellationToken: Ct);
        t.Time.Advance(TimeSpan.FromHours(1));

        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "kitchen renovation", TrackAccess = false }, Ct);
        var untouched = Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "kitchen renovation" }, Ct);
        var strengthened = Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));

        Assert.Equal(0.5, untouched.Weight);
        Assert.Equal(0, untouched.UseCount);
        Assert.True(strengthened.Weight > untouched.EffectiveWeight, $"{strengthened.Weight} <= {untouched.EffectiveWeight}");
        Assert.Equal(1, strengthened.UseCount);
        Assert.Equal(TestEngine.Start.AddHours(1), strengthened.LastUsedAt);
    }

    [Fact]
    public async Task RecallAsync_LinkedMemoryNotRecalled_DoesNotStrengthen()
    {
        await using var t = new TestEngine();
        var a = await t.RememberAsync("Kitchen renovation budget is ten thousand");
        var b = await t.RememberAsync("Bob plays the violin on weekends");
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 0.5, cancellationToken: Ct);

        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "kitchen renovation", Limit = 1 }, Ct);

        Assert.Equal(0.5, Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct)).Weight);
    }

    [Fact]
    public async Task ReinforceAsync_RaisesFadedWeightTowardsOne()
    {
        var (t, a, b, c, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 0.5, cancellationToken: Ct);
        await t.Associative.LinkAsync(b.Id, c.Id, weight: 0.5, cancellationToken: Ct);
        t.Time.Advance(t.Engine.Options.LinkHalfLife);

        var count = await t.Associative.ReinforceAsync([a.Id, b.Id], Ct);

        Assert.Equal(1, count);
        var ab = Assert.Single(await t.Engine.GetLinksAsync(a.Id, cancellationToken: Ct));
        var bc = (await t.Engine.GetLinksAsync(c.Id, cancellationToken: Ct)).Single();

        // 0.25 after one half-life, then 10% of the way to 1.
        Assert.Equal(0.325, ab.Weight, 6);
        Assert.Equal(0.325, ab.EffectiveWeight, 6);
        Assert.Equal(1, ab.UseCount);
        Assert.Equal(0.25, bc.EffectiveWeight, 6);
    }

    [Fact]
    public async Task ReinforceAsync_SurvivesFlushAndReopen()
    {
        var (t, a, b, _, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 0.5, cancellationToken: Ct);
        await t.Associative.ReinforceAsync([a.Id, b.Id], Ct);

        await t.Engine.FlushAsync(Ct);
        await using var reopened = t.Reopen();

        var link = Assert.Single(await reopened.GetLinksAsync(a.Id, cancellationToken: Ct));
        Assert.Equal(0.55, link.Weight, 6);
        Assert.Equal(1, link.UseCount);
    }

    [Fact]
    public async Task ReinforceAsync_FewerThanTwoIds_IsRejected()
    {
        var (t, a, _, _, _) = await ChainAsync();
        await using var _t = t;

        Assert.Equal("ids", (await Assert.ThrowsAsync<MemoryValidationException>(() => t.Associative.ReinforceAsync([a.Id], Ct))).Field);
    }

    [Fact]
    public async Task ExploreAsync_SpreadsOverTwoHopsWithDecreasingActivation()
    {
        var (t, a, b, c, d) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, "caused_by", 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(b.Id, c.Id, "caused_by", 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(c.Id, d.Id, "leads_to", 1.0, cancellationToken: Ct);

        var twoHops = await t.Associative.ExploreAsync(a.Id, depth: 2, cancellationToken: Ct);
        var threeHops = await t.Associative.ExploreAsync(a.Id, depth: 3, cancellationToken: Ct);

        Assert.Equal([b.Id, c.Id], twoHops.Select(x => x.Memory.Id));
        Assert.Equal([1, 2], twoHops.Select(x => x.Hops));
        Assert.Equal([a.Id, b.Id], twoHops.Select(x => x.ViaId));
        Assert.Equal(["caused_by", "caused_by"], twoHops.Select(x => x.LinkType));
        Assert.True(twoHops[0].Activation > twoHops[1].Activation);
        Assert.Equal(0.8, twoHops[0].Activation, 6);
        Assert.Equal(0.64, twoHops[1].Activation, 6);
        Assert.Equal([b.Id, c.Id, d.Id], threeHops.Select(x => x.Memory.Id));
        Assert.True(threeHops[2].Activation < threeHops[1].Activation);
    }

    [Fact]
    public async Task ExploreAsync_WeakerAndFadedLinks_GiveLessActivation()
    {
        var (t, a, b, c, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, c.Id, weight: 0.5, cancellationToken: Ct);

        var fresh = await t.Associative.ExploreAsync(a.Id, depth: 1, cancellationToken: Ct);
        t.Time.Advance(t.Engine.Options.LinkHalfLife);
        var faded = await t.Associative.ExploreAsync(a.Id, depth: 1, cancellationToken: Ct);

        Assert.Equal([b.Id, c.Id], fresh.Select(x => x.Memory.Id));
        Assert.Equal(0.4, fresh[1].Activation, 6);
        Assert.Equal(0.4, faded[0].Activation, 6);
        Assert.Equal(0.2, faded[1].Activation, 6);
    }

    [Fact]
    public async Task ExploreAsync_MinActivationAndLimit_CutTheResults()
    {
        var (t, a, b, c, d) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, c.Id, weight: 0.5, cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, d.Id, weight: 0.1, cancellationToken: Ct);

        var strong = await t.Associative.ExploreAsync(a.Id, depth: 1, minActivation: 0.3, cancellationToken: Ct);
        var top = await t.Associative.ExploreAsync(a.Id, depth: 1, limit: 1, cancellationToken: Ct);

        Assert.Equal([b.Id, c.Id], strong.Select(x => x.Memory.Id));
        Assert.Equal([b.Id], top.Select(x => x.Memory.Id));
    }

    [Fact]
    public async Task ExploreAsync_Cycle_DoesNotReturnTheStartOrLoop()
    {
        var (t, a, b, c, _) = await ChainAsync();
        await using var _t = t;
        await t.Associative.LinkAsync(a.Id, b.Id, weight: 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(b.Id, c.Id, weight: 1.0, cancellationToken: Ct);
        await t.Associative.LinkAsync(c.Id, a.Id, weight: 1.0, cancellationToken: Ct);

        var reached = await t.Associative.ExploreAsync(a.Id, depth: 4, cancellationToken: Ct);

        Assert.Equal([b.Id, c.Id], reached.Select(x => x.Memory.Id));
    }

    [Theory]
    [InlineData(0, 0.05, "depth")]
    [InlineData(5, 0.05, "depth")]
    [InlineData(2, -0.1, "minActivation")]
    [InlineData(2, double.NaN, "minActivation")]
    public async Task ExploreAsync_BadArguments_AreRejected(int depth, double minActivation, string field)
    {
        var (t, a, _, _, _) = await ChainAsync();
        await using var _t = t;

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Associative.ExploreAsync(a.Id, depth, minActivation, cancellationToken: Ct));

        Assert.Equal(field, ex.Field);
    }

    [Fact]
    public async Task ForgetAsync_RemovesTheMemoryLinksWithUnlinkedChanges()
    {
        var (t, a, b, c, _) = await ChainAsync();
        await using var _t = t;
        var ab = await t.Associative.LinkAsync(a.Id, b.Id, cancellationToken: Ct);
        var cb = await t.Associative.LinkAsync(c.Id, b.Id, cancellationToken: Ct);
        await t.Associative.LinkAsync(a.Id, c.Id, cancellationToken: Ct);

        await t.Engine.ForgetAsync(b.Id, cancellationToken: Ct);

        Assert.Single(await t.Associative.GetLinksAsync(a.Id, cancellationToken: Ct));
        Assert.Single(await t.Associative.GetLinksAsync(c.Id, cancellationToken: Ct));
        var changes = (await t.AllChangesAsync()).TakeLast(3).ToList();
        Assert.Equal(ChangeOperation.Deleted, changes[0].Operation);
        Assert.Equal(new[] { ab.Id, cb.Id }.Order(StringComparer.Ordinal), changes.Skip(1).Select(c => c.EntityId).Order(StringComparer.Ordinal));
        Assert.All(changes.Skip(1), c => Assert.Equal(ChangeOperation.Unlinked, c.Operation));
        await using var reopened = t.Reopen();
        Assert.Single(await reopened.GetLinksAsync(a.Id, cancellationToken: Ct));
    }

    [Fact]
    public async Task LinkAsync_AcrossNamespaces_IsVisibleFromBothNamespaces()
    {
        await using var t = new TestEngine();
        var mine = await t.RememberAsync("My note about the launch", ns: "agent-a");
        var shared = await t.RememberAsync("Team launch checklist", ns: "team");

        var link = await t.Associative.LinkAsync(mine.Id, shared.Id, "refers_to", cancellationToken: Ct);

        Assert.Equal("agent-a", link.Namespace);
        Assert.Equal("team", link.ToNamespace);
        Assert.Equal([link.Id], (await t.Associative.GetLinksAsync(shared.Id, cancellationToken: Ct)).Select(l => l.Id));
        await t.Engine.ForgetAsync(mine.Id, cancellationToken: Ct);
        Assert.Empty(await t.Associative.GetLinksAsync(shared.Id, cancellationToken: Ct));
    }
}
