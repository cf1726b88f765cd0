namespace KernelMemoryPlus.Tests.Engine;

/// <summary>Two writers on the same memory: reject (default), last writer wins, merge — and every resolution recorded.</summary>
public sealed class ConflictPolicyTests
{
    private static CancellationToken Ct => TestEngine.Ct;

    private static async Task<(TestEngine T, MemoryRecord Current)> TwoWritersAsync(ConflictPolicy policy, MergeContentRule rule = MergeContentRule.Incoming)
    {
        var t = new TestEngine();
        var first = await t.Engine.RememberAsync(new NewMemory
        {
            Namespace = TestEngine.Ns,
            Content = "deploy on Friday",
            Tags = ["release"],
            Metadata = new Dictionary<string, string> { ["owner"] = "ops", ["env"] = "prod" },
        }, Ct);
        if (policy != ConflictPolicy.Reject)
        {
            await t.Engine.SetConflictPolicyAsync(TestEngine.Ns, policy, rule, Ct);
        }

        // The first writer changes version 1 into version 2; the second still holds version 1.
        var current = await t.Engine.UpdateAsync(first.Id, new MemoryUpdate { Content = "deploy on Thursday", Tags = ["release", "urgent"] }, expectedVersion: 1, Ct);
        return (t, current);
    }

    [Fact]
    public async Task Reject_IsTheDefault_TheStaleWriteFailsWithTheCurrentVersion_AndIsRecorded()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.Reject);
        await using var _ = t;

        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.UpdateAsync(current.Id, new MemoryUpdate { Content = "deploy on Monday" }, expectedVersion: 1, Ct));

        Assert.Equal(2, conflict.CurrentVersion);
        Assert.Equal("deploy on Thursday", (await t.Engine.GetRequiredAsync(current.Id, Ct)).Content);
        var recorded = Assert.Single(await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct));
        Assert.Equal(("rejected", 1L, 2L, (long?)null), (recorded.Outcome, recorded.ExpectedVersion, recorded.FoundVersion, recorded.ResultVersion));
        Assert.Equal(ConflictPolicy.Reject, recorded.Policy);
    }

    [Fact]
    public async Task LastWriterWins_AppliesTheStaleWriteOnTopOfTheCurrentVersion()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.LastWriterWins);
        await using var _ = t;

        var written = await t.Engine.UpdateAsync(current.Id, new MemoryUpdate { Content = "deploy on Monday", Tags = ["release"] }, expectedVersion: 1, Ct);

        Assert.Equal(3, written.Version);
        Assert.Equal("deploy on Monday", written.Content);
        Assert.Equal(["release"], written.Tags);
        var recorded = Assert.Single(await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct));
        Assert.Equal(("overwritten", 1L, 2L, (long?)3), (recorded.Outcome, recorded.ExpectedVersion, recorded.FoundVersion, recorded.ResultVersion));

        // A stale delete wins too.
        Assert.True(await t.Engine.ForgetAsync(current.Id, expectedVersion: 1, Ct));
        Assert.Equal(2, (await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct)).Count);
    }

    [Fact]
    public async Task Merge_UnitesTagsAndMetadata_ContentByRule()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.Merge);
        await using var _ = t;

        var merged = await t.Engine.UpdateAsync(
            current.Id,
            new MemoryUpdate { Content = "deploy on Monday", Tags = ["release", "qa"], Metadata = new Dictionary<string, string> { ["env"] = "staging", ["ticket"] = "OPS-7" } },
            expectedVersion: 1,
            Ct);

        Assert.Equal(3, merged.Version);
        Assert.Equal("deploy on Monday", merged.Content); // incoming content wins by default
        Assert.Equal(["release", "urgent", "qa"], merged.Tags);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "ops", ["env"] = "staging", ["ticket"] = "OPS-7" }, merged.Metadata);
        Assert.Equal("merged", Assert.Single(await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct)).Outcome);

        // Merge cannot merge a delete: a stale one is refused (and recorded).
        await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.ForgetAsync(current.Id, expectedVersion: 1, Ct));
        Assert.Equal(2, (await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct)).Count);
    }

    [Fact]
    public async Task Merge_WithTheCurrentContentRule_KeepsTheFirstWritersWords()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.Merge, MergeContentRule.Current);
        await using var _ = t;

        var merged = await t.Engine.UpdateAsync(current.Id, new MemoryUpdate { Content = "deploy on Monday", Tags = ["qa"] }, expectedVersion: 1, Ct);

        Assert.Equal("deploy on Thursday", merged.Content);
        Assert.Equal(["release", "urgent", "qa"], merged.Tags);
    }

    [Fact]
    public async Task Batch_FollowsThePolicy_AndRecordsTheResolutionWithTheWrite()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.Merge);
        await using var _ = t;

        var results = await t.Engine.ApplyBatchAsync([new MemoryWrite.Update(current.Id, new MemoryUpdate { Tags = ["batch"] }, ExpectedVersion: 1)], Ct);

        Assert.Equal(["release", "urgent", "batch"], results[0].Memory!.Tags);
        var recorded = Assert.Single(await t.Engine.GetConflictsAsync(TestEngine.Ns, cancellationToken: Ct));
        Assert.Equal(results[0].Memory!.Version, recorded.ResultVersion);
    }

    [Fact]
    public async Task Policy_SurvivesARestart_AndOnlyNamespaceAdminsSetIt()
    {
        var (t, current) = await TwoWritersAsync(ConflictPolicy.LastWriterWins);
        await using var _ = t;
        await using var reopened = t.Reopen();

        Assert.Equal(ConflictPolicy.LastWriterWins, (await reopened.GetNamespaceSettingsAsync(TestEngine.Ns, Ct)).ConflictPolicy);
        Assert.Equal("deploy on Sunday", (await reopened.UpdateAsync(current.Id, new MemoryUpdate { Content = "deploy on Sunday" }, expectedVersion: 1, Ct)).Content);
        await Assert.ThrowsAsync<MemoryValidationException>(() => reopened.SetConflictPolicyAsync(TestEngine.Ns, (ConflictPolicy)42, cancellationToken: Ct));

        // The namespace was written by the embedding application (no owner): agents may not change its policy.
        using (MemoryPrincipal.Use(new MemoryPrincipal("mallory")))
        {
            await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => reopened.SetConflictPolicyAsync(TestEngine.Ns, ConflictPolicy.Reject, cancellationToken: Ct));
        }
    }
}
