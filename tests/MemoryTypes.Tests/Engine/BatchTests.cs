namespace KernelMemoryPlus.Tests.Engine;

public sealed class BatchTests
{
    private static CancellationToken Ct => TestEngine.Ct;

    [Fact]
    public async Task ApplyBatchAsync_MixedWrites_CommitTogetherInOrder()
    {
        await using var t = new TestEngine();
        var keep = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "keep me and change me" }, Ct);
        var drop = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "delete me" }, Ct);
        await t.Engine.LinkAsync(new NewLink { FromId = keep.Id, ToId = drop.Id }, Ct);
        long before = t.Engine.LastSequence;

        var results = await t.Engine.ApplyBatchAsync(
        [
            new MemoryWrite.Create(new NewMemory { Namespace = TestEngine.Ns, Content = "brand new" }),
            new MemoryWrite.Update(keep.Id, new MemoryUpdate { Content = "kept and changed" }, ExpectedVersion: 1),
            new MemoryWrite.Delete(drop.Id, ExpectedVersion: 1),
        ], Ct);

        Assert.Equal([ChangeOperation.Created, ChangeOperation.Updated, ChangeOperation.Deleted], results.Select(r => r.Operation));
        Assert.Equal(2, results[1].Memory!.Version);
        Assert.Null(await t.Engine.GetAsync(drop.Id, Ct));
        Assert.Equal("kept and changed", (await t.Engine.GetRequiredAsync(keep.Id, Ct)).Content);
        Assert.Empty(await t.Engine.GetLinksAsync(keep.Id, cancellationToken: Ct));
        var changes = (await t.Engine.GetChangesAsync(TestEngine.Ns, before, 100, Ct)).Changes;
        Assert.Equal([ChangeOperation.Created, ChangeOperation.Updated, ChangeOperation.Deleted, ChangeOperation.Unlinked], changes.Select(c => c.Operation));
        Assert.Equal(Enumerable.Range(1, 4).Select(i => before + i), changes.Select(c => c.Sequence));
    }

    [Fact]
    public async Task ApplyBatchAsync_OneStaleAndOneInvalidItem_WritesNothingAndNamesBoth()
    {
        await using var t = new TestEngine();
        var existing = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "version one" }, Ct);
        await t.Engine.UpdateAsync(existing.Id, new MemoryUpdate { Importance = 0.9 }, cancellationToken: Ct);
        long before = t.Engine.LastSequence;

        var ex = await Assert.ThrowsAsync<MemoryBatchException>(() => t.Engine.ApplyBatchAsync(
        [
            new MemoryWrite.Create(new NewMemory { Namespace = TestEngine.Ns, Content = "would be new" }),
            new MemoryWrite.Update(existing.Id, new MemoryUpdate { Content = "stale change" }, ExpectedVersion: 1),
            new MemoryWrite.Create(new NewMemory { Namespace = TestEngine.Ns, Content = "  " }),
            new MemoryWrite.Delete("missing-id"),
        ], Ct));

        Assert.Equal([1, 2, 3], ex.Errors.Select(e => e.Index));
        Assert.IsType<VersionConflictException>(ex.Errors[0].Error);
        Assert.Equal("items[2].content", Assert.IsType<MemoryValidationException>(ex.Errors[1].Error).Field);
        Assert.IsType<MemoryNotFoundException>(ex.Errors[2].Error);
        Assert.Equal(before, t.Engine.LastSequence);
        Assert.Single(await t.ListAllAsync());
    }

    [Fact]
    public async Task ApplyBatchAsync_SameMemoryTwice_IsRefused()
    {
        await using var t = new TestEngine();
        var existing = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "only once" }, Ct);

        var ex = await Assert.ThrowsAsync<MemoryBatchException>(() => t.Engine.ApplyBatchAsync(
        [
            new MemoryWrite.Update(existing.Id, new MemoryUpdate { Importance = 0.2 }),
            new MemoryWrite.Delete(existing.Id),
        ], Ct));

        Assert.Equal("items[1].id", Assert.IsType<MemoryValidationException>(Assert.Single(ex.Errors).Error).Field);
        Assert.Equal(1, (await t.Engine.GetRequiredAsync(existing.Id, Ct)).Version);
    }
}
