using System.Collections.Concurrent;

namespace KernelMemoryPlus.Tests.Engine;

public sealed class ConcurrencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ParallelMixedWrites_LoseNothing_AndParallelReadsNeverThrow()
    {
        await using var t = new TestEngine();
        const int Writers = 8;
        const int WritesEach = 200;
        var content = new ConcurrentDictionary<string, string>();
        var versions = new ConcurrentDictionary<string, long>();
        var links = new ConcurrentDictionary<string, byte>();
        var readerErrors = new ConcurrentQueue<Exception>();
        int reads = 0;
        var writersDone = false;
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            await go.Task;
            var own = new List<string>();
            var random = new Random(w);
            for (int i = 0; i < WritesEach; i++)
            {
                int op = own.Count < 2 ? 0 : i % 3;
                if (op == 0)
                {
                    var m = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = $"writer {w} note {i} about topic {i % 7}", Tags = [$"w{w}"] }, Ct);
                    own.Add(m.Id);
                    content[m.Id] = m.Content;
                    versions[m.Id] = 1;
                }
                else if (op == 1)
                {
                    var id = own[random.Next(own.Count)];
                    var text = $"writer {w} note edited in step {i} about topic {i % 5}";
                    var updated = await t.Engine.UpdateAsync(id, new MemoryUpdate { Content = text }, cancellationToken: Ct);
                    content[id] = text;
                    versions[id] = updated.Version;
                }
                else
                {
                    var from = own[random.Next(own.Count)];
                    var to = own.Where(x => x != from).ElementAt(random.Next(own.Count - 1));
                    var link = await t.Engine.LinkAsync(new NewLink { FromId = from, ToId = to, Type = $"step_{i}", Weight = 0.5 }, Ct);
                    links[link.Id] = 0;
                }
            }
        }, Ct)).ToList();

        var readers = Enumerable.Range(0, 4).Select(r => Task.Run(async () =>
        {
            await go.Task;
            var random = new Random(100 + r);
            do
            {
                try
                {
                    var results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = $"note about topic {random.Next(7)}", Limit = 5, SpreadDepth = r % 2, Diversity = r == 3 ? 0.5 : 0 }, Ct);
                    Assert.All(results, x => Assert.InRange(x.Score, 0, 1));
                    var page = await t.Engine.ListAsync(TestEngine.Ns, limit: 20, cancellationToken: Ct);
                    if (page.Items.Count > 0)
                    {
                        var id = page.Items[random.Next(page.Items.Count)].Id;
                        Assert.NotNull(await t.Engine.GetAsync(id, Ct));
                        await t.Engine.GetLinksAsync(id, cancellationToken: Ct);
                        await t.Engine.ExploreAsync(id, cancellationToken: Ct);
                    }

                    await t.Engine.GetChangesAsync(null, Math.Max(0, t.Engine.LastSequence - 10), 20, Ct);
                    Interlocked.Increment(ref reads);
                }
                catch (Exception ex)
                {
                    readerErrors.Enqueue(ex);
                    return;
                }
            }
            while (!Volatile.Read(ref writersDone));
        }, Ct)).ToList();

        go.SetResult();
        await Task.WhenAll(writers);
        Volatile.Write(ref writersDone, true);
        await Task.WhenAll(readers);

        Assert.Empty(readerErrors);
        Assert.True(reads >= 4);

        const int Total = Writers * WritesEach;
        Assert.Equal(Total, t.Engine.LastSequence);
        var changes = await t.AllChangesAsync();
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), changes.Select(c => c.Sequence));
        Assert.Equal(content.Count, changes.Count(c => c.Operation == ChangeOperation.Created));
        Assert.Equal(links.Count, changes.Count(c => c.Operation == ChangeOperation.Linked));

        var stored = await t.ListAllAsync();
        Assert.Equal(content.Count, stored.Count);
        Assert.All(stored, r =>
        {
            Assert.Equal(content[r.Id], r.Content);
            Assert.Equal(versions[r.Id], r.Version);
        });
        Assert.Equal(links.Count, (await t.Engine.GetStatsAsync(TestEngine.Ns, Ct)).Links);

        // The same holds for what reached the store.
        await using var reopened = t.Reopen();
        var reloaded = await TestEngine.ListAllAsync(reopened);
        Assert.Equal(content.Count, reloaded.Count);
        Assert.All(reloaded, r => Assert.Equal(content[r.Id], r.Content));
        Assert.Equal(links.Count, (await reopened.GetStatsAsync(TestEngine.Ns, Ct)).Links);
    }

    [Fact]
    public async Task ParallelUpdatesOfDifferentFields_AllSurvive()
    {
        await using var t = new TestEngine();
        var memories = new List<MemoryRecord>();
        for (int i = 0; i < 40; i++)
        {
            memories.Add(await t.RememberAsync($"Original note {i}"));
        }

        var updates = memories.SelectMany(m => new Func<Task>[]
        {
            () => t.Engine.UpdateAsync(m.Id, new MemoryUpdate { Content = $"Rewritten {m.Content}" }, cancellationToken: Ct),
            () => t.Engine.UpdateAsync(m.Id, new MemoryUpdate { Tags = ["reviewed"] }, cancellationToken: Ct),
            () => t.Engine.UpdateAsync(m.Id, new MemoryUpdate { Importance = 0.9 }, cancellationToken: Ct),
            () => t.Engine.UpdateAsync(m.Id, new MemoryUpdate { Metadata = new Dictionary<string, string> { ["owner"] = "dana" } }, cancellationToken: Ct),
        }).Select(u => Task.Run(u, Ct));

        await Task.WhenAll(updates);

        foreach (var m in memories)
        {
            var current = await t.Engine.GetRequiredAsync(m.Id, Ct);
            Assert.Equal($"Rewritten {m.Content}", current.Content);
            Assert.Equal(["reviewed"], current.Tags);
            Assert.Equal(0.9, current.Importance);
            Assert.Equal("dana", current.Metadata["owner"]);
            Assert.Equal(5, current.Version);
        }

        // The keyword index followed the content changes.
        var hits = await t.RecallAsync("rewritten original", limit: 50, weights: new RetrievalWeights { Vector = 0, Fuzzy = 0 });
        Assert.Equal(40, hits.Count);
    }

    [Fact]
    public async Task ParallelUpdatesWithExpectedVersion_ExactlyOneWins()
    {
        await using var t = new TestEngine();
        var memory = await t.RememberAsync("Contended note");

        var attempts = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            try
            {
                await t.Engine.UpdateAsync(memory.Id, new MemoryUpdate { Content = $"Writer {i} was here" }, expectedVersion: 1, cancellationToken: Ct);
                return true;
            }
            catch (VersionConflictException ex) when (ex.ExpectedVersion == 1 && ex.CurrentVersion == 2)
            {
                return false;
            }
        }, Ct));

        var outcomes = await Task.WhenAll(attempts);

        Assert.Equal(1, outcomes.Count(o => o));
        Assert.Equal(2, (await t.Engine.GetRequiredAsync(memory.Id, Ct)).Version);
        Assert.Equal(2, t.Engine.LastSequence);
    }

    [Fact]
    public async Task ParallelFactsForSameSubjectAndPredicate_LeaveExactlyOneCurrentValue()
    {
        await using var t = new TestEngine();

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(
            () => t.Semantic.AddFactAsync(new NewFact { Namespace = TestEngine.Ns, Subject = "Alice", Predicate = "lives in", Object = $"City {i}" }, Ct), Ct)));

        var current = await t.Semantic.GetFactsAsync(TestEngine.Ns, "Alice", "lives in", cancellationToken: Ct);
        var history = await t.Semantic.GetHistoryAsync(TestEngine.Ns, "Alice", "lives in", Ct);
        Assert.Single(current);
        Assert.Equal(12, history.Count);
        Assert.Equal(11, history.Count(h => h.SupersededBy is not null && h.ValidTo is not null));
    }

    [Fact]
    public async Task ParallelEntityUpserts_OfTheSameName_CreateOneEntity()
    {
        await using var t = new TestEngine();

        var views = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(
            () => t.Semantic.UpsertEntityAsync(TestEngine.Ns, i % 2 == 0 ? "Dana" : "dana", "person", cancellationToken: Ct), Ct)));

        Assert.Single(await t.Semantic.ListEntitiesAsync(TestEngine.Ns, Ct));
        Assert.Single(views.Select(v => v.Entity.Id).Distinct());
    }

    [Fact]
    public async Task ParallelRecallsWithAccessTracking_CountEveryAccess()
    {
        await using var t = new TestEngine();
        var target = await t.RememberAsync("The launch checklist lives in the wiki");
        await t.RememberAsync("Something unrelated about gardening");

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(
            () => t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "launch checklist", Limit = 1 }, Ct), Ct)));

        Assert.Equal(50, (await t.Engine.GetRequiredAsync(target.Id, Ct)).AccessCount);
    }
}
