using System.Globalization;

namespace KernelMemoryPlus.Tests.Engine;

public sealed class ProceduralMemoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RecordAsync_FirstTime_StoresVersionOneWithSteps()
    {
        await using var t = new TestEngine();

        var result = await t.Procedural.RecordAsync(TestEngine.Ns, "Deploy web app", "How to deploy the web application to production",
            ["run the tests", "build the container", "push to the registry"], tags: ["ops"], cancellationToken: Ct);

        Assert.Empty(result.Superseded);
        var p = result.Fact;
        Assert.Equal(MemoryKind.Procedural, p.Kind);
        Assert.Equal("Deploy web app", p.ProcedureName);
        Assert.Equal(["run the tests", "build the container", "push to the registry"], p.Steps);
        Assert.Equal("1", p.Metadata[ProceduralMemory.VersionKey]);
        Assert.Equal(["ops"], p.Tags);
    }

    [Fact]
    public async Task RecordAsync_SameNameAgain_MakesVersionTwoAndClosesVersionOne()
    {
        await using var t = new TestEngine();
        var v1 = (await t.Procedural.RecordAsync(TestEngine.Ns, "Deploy web app", "How to deploy the web application", ["build", "push"], cancellationToken: Ct)).Fact;
        t.Time.Advance(TimeSpan.FromDays(1));

        var result = await t.Procedural.RecordAsync(TestEngine.Ns, "deploy WEB app", "How to deploy the web application", ["test", "build", "push", "smoke test"], cancellationToken: Ct);

        var v2 = result.Fact;
        var closed = Assert.Single(result.Superseded);
        Assert.Equal(v1.Id, closed.Id);
        Assert.Equal(TestEngine.Start.AddDays(1), closed.ValidTo);
        Assert.Equal(v2.Id, closed.SupersededBy);
        Assert.Equal("2", v2.Metadata[ProceduralMemory.VersionKey]);
        Assert.Equal(v1.Id, v2.Supersedes);

        var versions = await t.Procedural.GetVersionsAsync(TestEngine.Ns, "Deploy Web App", Ct);
        Assert.Equal([v1.Id, v2.Id], versions.Select(v => v.Id));
        Assert.Equal(["1", "2"], versions.Select(v => v.Metadata[ProceduralMemory.VersionKey]));

        var found = await t.Procedural.FindAsync(TestEngine.Ns, "deploy the web application", cancellationToken: Ct);
        Assert.Equal([v2.Id], found.Select(f => f.Memory.Id));
    }

    [Fact]
    public async Task RecordAsync_ThirdVersion_CountsOn()
    {
        await using var t = new TestEngine();
        for (int i = 1; i <= 3; i++)
        {
            var r = await t.Procedural.RecordAsync(TestEngine.Ns, "backup", "Back up the database", [$"step for version {i}"], cancellationToken: Ct);
            Assert.Equal(i.ToString(CultureInfo.InvariantCulture), r.Fact.Metadata[ProceduralMemory.VersionKey]);
        }

        Assert.Equal(3, (await t.Procedural.GetVersionsAsync(TestEngine.Ns, "backup", Ct)).Count);
    }

    [Fact]
    public async Task RecordAsync_NoSteps_IsRejected()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.RecordAsync(TestEngine.Ns, "empty", "Does nothing", [], cancellationToken: Ct));

        Assert.Equal("steps", ex.Field);
        Assert.Equal(0, t.Engine.LastSequence);
    }

    [Fact]
    public async Task RecordAsync_EmptyStep_IsRejectedNamingTheStep()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.RecordAsync(TestEngine.Ns, "broken", "Has an empty step", ["first", " "], cancellationToken: Ct));

        Assert.Equal("steps[1]", ex.Field);
        Assert.Equal(0, t.Engine.LastSequence);
    }

    [Fact]
    public async Task FindAsync_MatchesByTask_NotOtherKinds()
    {
        await using var t = new TestEngine();
        var deploy = (await t.Procedural.RecordAsync(TestEngine.Ns, "deploy", "Deploy the web application to production", ["build", "push"], cancellationToken: Ct)).Fact;
        await t.Procedural.RecordAsync(TestEngine.Ns, "backup", "Back up the customer database every night", ["dump", "upload"], cancellationToken: Ct);
        await t.RememberAsync("We deployed the web application yesterday");

        var found = await t.Procedural.FindAsync(TestEngine.Ns, "how do I deploy the web app to production?", cancellationToken: Ct);

        Assert.Equal(deploy.Id, found[0].Memory.Id);
        Assert.All(found, f => Assert.Equal(MemoryKind.Procedural, f.Memory.Kind));
        Assert.Equal(found.Select(f => f.Score).OrderDescending(), found.Select(f => f.Score));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task FindAsync_ReportedSuccesses_RankAboveEquallySimilarFailures(bool firstSucceeds)
    {
        await using var t = new TestEngine();
        var first = (await t.Procedural.RecordAsync(TestEngine.Ns, "restart service a", "Restart the payment service after a crash", ["ssh in", "systemctl restart payments"], cancellationToken: Ct)).Fact;
        var second = (await t.Procedural.RecordAsync(TestEngine.Ns, "restart service b", "Restart the payment service after a crash", ["ssh in", "systemctl restart payments"], cancellationToken: Ct)).Fact;
        var (good, bad) = firstSucceeds ? (first, second) : (second, first);

        for (int i = 0; i < 3; i++)
        {
            await t.Procedural.ReportOutcomeAsync(good.Id, success: true, Ct);
            await t.Procedural.ReportOutcomeAsync(bad.Id, success: false, Ct);
        }

        var found = await t.Procedural.FindAsync(TestEngine.Ns, "restart the payment service", cancellationToken: Ct);

        Assert.Equal([good.Id, bad.Id], found.Select(f => f.Memory.Id));
        Assert.Equal(3, found[0].Memory.SuccessCount);
        Assert.Equal(3, found[1].Memory.FailureCount);
        Assert.True(found[0].Score > found[1].Score);
    }

    [Fact]
    public async Task ReportOutcomeAsync_CountsOutcomesAndBumpsVersion()
    {
        await using var t = new TestEngine();
        var p = (await t.Procedural.RecordAsync(TestEngine.Ns, "rotate keys", "Rotate the API keys", ["generate", "distribute"], cancellationToken: Ct)).Fact;

        await t.Procedural.ReportOutcomeAsync(p.Id, true, Ct);
        await t.Procedural.ReportOutcomeAsync(p.Id, true, Ct);
        var after = await t.Procedural.ReportOutcomeAsync(p.Id, false, Ct);

        Assert.Equal(2, after.SuccessCount);
        Assert.Equal(1, after.FailureCount);
        Assert.Equal(4, after.Version);
        Assert.Equal(0.6, ProceduralMemory.SuccessRate(after), 6);
        Assert.Equal(ChangeOperation.Updated, (await t.AllChangesAsync())[^1].Operation);
        Assert.Equal(2, (await t.Engine.GetRequiredAsync(p.Id, Ct)).SuccessCount);
    }

    [Fact]
    public async Task ReportOutcomeAsync_OnNonProcedure_IsRejected()
    {
        await using var t = new TestEngine();
        var e = await t.RememberAsync("An ordinary event");
        var before = await t.SnapshotAsync();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.ReportOutcomeAsync(e.Id, true, Ct));

        Assert.Equal("id", ex.Field);
        (await t.SnapshotAsync()).AssertSameAs(before);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Procedural.ReportOutcomeAsync("ffffffffffffffffffffffffffffffff", true, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task FindAsync_BadLimit_IsRejectedNamingLimit(int limit)
    {
        await using var t = new TestEngine();
        await t.Procedural.RecordAsync(TestEngine.Ns, "p", "Some procedure", ["step"], cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Procedural.FindAsync(TestEngine.Ns, "procedure", limit, Ct));

        Assert.Equal("limit", ex.Field);
        Assert.Contains($"got {limit}", ex.Message, StringComparison.Ordinal);
    }
}
