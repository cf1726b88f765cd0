using KernelMemoryPlus.Storage;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>SQLite-specific behaviour beyond the conformance suite: atomic batches, FTS in step, hostile input, errors, concurrency.</summary>
public sealed class SqliteVectorStoreTests : IAsyncLifetime
{
    private readonly SqliteTestFiles _files = new();
    private SqliteVectorStore? _store;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private SqliteVectorStore Store => _store!;

    private string StorePath => _files.PathOf("store.db");

    public sealed class Memo
    {
        [VectorStoreKey]
        public string Id { get; set; } = "";

        [VectorStoreData(IsFullTextIndexed = true)]
        public string Text { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public string Namespace { get; set; } = "default";

        [VectorStoreData(IsIndexed = true)]
        public List<string> Tags { get; set; } = [];

        [VectorStoreData]
        public int Number { get; set; }

        [VectorStoreVector(3)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public ValueTask InitializeAsync()
    {
        _store = new SqliteVectorStore(StorePath);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        _files.Dispose();
    }

    private async Task<VectorStoreCollection<string, Memo>> MemosAsync(string name = "memos")
    {
        var memos = Store.GetCollection<string, Memo>(name);
        await memos.EnsureCollectionExistsAsync(Ct);
        return memos;
    }

    private static Memo NewMemo(string id, string text = "", float[]? vector = null, int number = 0, string ns = "default", List<string>? tags = null) => new()
    {
        Id = id,
        Text = text,
        Number = number,
        Namespace = ns,
        Tags = tags ?? [],
        Embedding = vector ?? [1, 0, 0],
    };

    private static async Task<int> CountAsync(VectorStoreCollection<string, Memo> memos) =>
        (await memos.GetAsync(m => m.Number >= int.MinValue, 100_000, cancellationToken: Ct).ToListAsync(Ct)).Count;

    private string FtsTable(string collection)
    {
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT fts_table_name FROM kmp_collections WHERE name = @name";
        command.Parameters.AddWithValue("@name", collection);
        return (string)command.ExecuteScalar()!;
    }

    /// <summary>FTS5's own check that an external-content index matches its table exactly.</summary>
    private void AssertFullTextIndexInStep(string collection)
    {
        var fts = FtsTable(collection);
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        SqliteTestFiles.Execute(raw, $"INSERT INTO \"{fts}\"(\"{fts}\", rank) VALUES ('integrity-check', 1)");
    }

    private long KeywordMatches(string collection, string word)
    {
        var fts = FtsTable(collection);
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM \"{fts}\" WHERE \"{fts}\" MATCH @word";
        command.Parameters.AddWithValue("@word", word);
        return (long)command.ExecuteScalar()!;
    }

    // ---------------------------------------------------------------- atomic batches

    [Fact]
    public async Task BatchUpsert_WithOneWrongDimensionVector_WritesNothing()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(NewMemo("existing", "before"), Ct);
        var batch = Enumerable.Range(0, 100).Select(i => NewMemo("b" + i, "batch " + i)).ToList();
        batch[57].Embedding = new float[] { 1, 2 };
        batch[0] = NewMemo("existing", "overwritten by the failed batch");

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => memos.UpsertAsync(batch, Ct));

        Assert.Contains("b57", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 dimensions", error.Message, StringComparison.Ordinal);
        Assert.Equal("memos", error.CollectionName);
        Assert.Equal("Upsert", error.OperationName);
        Assert.Equal(1, await CountAsync(memos));
        Assert.Equal("before", (await memos.GetAsync("existing", cancellationToken: Ct))?.Text);
        AssertFullTextIndexInStep("memos");
    }

    [Fact]
    public async Task BatchUpsert_FailingInsideSqlite_RollsBackTheWholeBatch()
    {
        var memos = await MemosAsync();
        var fts = FtsTable("memos");
        using (var raw = SqliteTestFiles.OpenRaw(StorePath))
        {
            // A constraint only SQLite knows about, so the failure happens mid-batch inside the write.
            var table = fts[..^"_fts".Length];
            SqliteTestFiles.Execute(raw, $"CREATE TRIGGER reject_poison BEFORE INSERT ON \"{table}\" WHEN new.\"Text\" = 'poison' BEGIN SELECT RAISE(ABORT, 'poison record'); END");
        }

        var batch = Enumerable.Range(0, 50).Select(i => NewMemo("p" + i, i == 30 ? "poison" : "fine " + i)).ToList();

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => memos.UpsertAsync(batch, Ct));

        Assert.IsType<SqliteException>(error.InnerException);
        Assert.Equal("Upsert", error.OperationName);
        Assert.Equal("memos", error.CollectionName);
        Assert.Equal(0, await CountAsync(memos));
        AssertFullTextIndexInStep("memos");
    }

    [Fact]
    public async Task BatchFailure_InsideATransaction_UndoesOnlyTheBatch()
    {
        var memos = await MemosAsync();

        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            await memos.UpsertAsync(NewMemo("first", "kept"), Ct);
            var bad = new[] { NewMemo("second", "x"), NewMemo("third", "y", vector: [1, 2, 3, 4]) };
            await Assert.ThrowsAsync<VectorStoreException>(() => memos.UpsertAsync(bad, Ct));
            await memos.UpsertAsync(NewMemo("fourth", "also kept"), Ct);
            await transaction.CommitAsync(Ct);
        }

        var ids = (await memos.GetAsync(m => m.Number == 0, 10, cancellationToken: Ct).ToListAsync(Ct)).Select(m => m.Id).Order(StringComparer.Ordinal);
        Assert.Equal(["first", "fourth"], ids);
    }

    [Fact]
    public async Task SqliteErrors_SurfaceAsVectorStoreException_WithCollectionAndOperation()
    {
        await _store!.DisposeAsync();
        _store = new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = StorePath, BusyTimeout = TimeSpan.FromMilliseconds(200) });
        var memos = await MemosAsync();
        using var blocker = SqliteTestFiles.OpenRaw(StorePath);
        SqliteTestFiles.Execute(blocker, "BEGIN IMMEDIATE");

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => memos.UpsertAsync(NewMemo("locked"), Ct));

        Assert.IsType<SqliteException>(error.InnerException);
        Assert.Equal("memos", error.CollectionName);
        Assert.Equal("Upsert", error.OperationName);
        Assert.Equal("kmp-sqlite", error.VectorStoreSystemName);
        Assert.Contains("busy timeout", error.Message, StringComparison.OrdinalIgnoreCase);

        SqliteTestFiles.Execute(blocker, "ROLLBACK");
        await memos.UpsertAsync(NewMemo("after"), Ct);
        Assert.NotNull(await memos.GetAsync("after", cancellationToken: Ct));
    }

    [Fact]
    public async Task Search_WithAQueryOfTheWrongDimension_NamesTheCollectionAndBothSizes()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(NewMemo("a"), Ct);

        var error = await Assert.ThrowsAsync<VectorStoreException>(async () =>
            await memos.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0, 0, 0]), 3, cancellationToken: Ct).ToListAsync(Ct));

        Assert.Equal("memos", error.CollectionName);
        Assert.Equal("Search", error.OperationName);
        Assert.Contains("5 dimensions", error.Message, StringComparison.Ordinal);
        Assert.Contains("3", error.Message, StringComparison.Ordinal);
    }

    // ---------------------------------------------------------------- full-text index

    [Fact]
    public async Task FullTextIndex_FollowsUpdatesAndDeletes()
    {
        var memos = await MemosAsync();
        var hybrid = (IKeywordHybridSearchable<Memo>)memos;
        await memos.UpsertAsync([NewMemo("a", "bravo alpha"), NewMemo("b", "charlie alpha"), NewMemo("c", "echo foxtrot")], Ct);
        var query = new ReadOnlyMemory<float>([1, 0, 0]);

        var before = await hybrid.HybridSearchAsync(query, ["bravo"], 3, cancellationToken: Ct).ToListAsync(Ct);
        await memos.UpsertAsync([NewMemo("a", "charlie delta"), NewMemo("b", "bravo delta")], Ct);
        var afterUpdate = await hybrid.HybridSearchAsync(query, ["bravo"], 3, cancellationToken: Ct).ToListAsync(Ct);
        await memos.DeleteAsync("b", Ct);
        var afterDelete = await hybrid.HybridSearchAsync(query, ["bravo"], 3, cancellationToken: Ct).ToListAsync(Ct);

        // Equal vectors tie on the vector side, so the keyword match decides the order.
        Assert.Equal("a", before[0].Record.Id);
        Assert.Equal("b", afterUpdate[0].Record.Id);
        Assert.DoesNotContain(afterDelete, r => r.Record.Id == "b");
        Assert.Equal(0, KeywordMatches("memos", "bravo"));
        Assert.Equal(1, KeywordMatches("memos", "charlie"));
        Assert.Equal(0, KeywordMatches("memos", "alpha"));
        Assert.Equal(1, KeywordMatches("memos", "delta"));
        Assert.Equal(1, KeywordMatches("memos", "echo"));
        AssertFullTextIndexInStep("memos");
    }

    [Fact]
    public async Task FullTextIndex_DeletedRecordIsNeverFoundByKeyword_AndStaysInStepAfterManyChanges()
    {
        var memos = await MemosAsync();
        var hybrid = (IKeywordHybridSearchable<Memo>)memos;
        await memos.UpsertAsync(Enumerable.Range(0, 200).Select(i => NewMemo("m" + i, $"record {i} " + (i % 2 == 0 ? "zebra" : "yak"), [i, 1, 0])), Ct);
        await memos.UpsertAsync(Enumerable.Range(0, 200).Where(i => i % 3 == 0).Select(i => NewMemo("m" + i, $"record {i} rewritten okapi", [i, 1, 0])), Ct);
        await memos.DeleteAsync(Enumerable.Range(0, 200).Where(i => i % 5 == 0).Select(i => "m" + i), Ct);

        var zebras = await hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([0, 0, 1]), ["zebra"], 200, cancellationToken: Ct).ToListAsync(Ct);

        Assert.DoesNotContain(zebras, r => int.Parse(r.Record.Id[1..], System.Globalization.CultureInfo.InvariantCulture) % 5 == 0);
        Assert.Equal(0, KeywordMatches("memos", "m0"));
        long expectedZebras = Enumerable.Range(0, 200).Count(i => i % 2 == 0 && i % 3 != 0 && i % 5 != 0);
        Assert.Equal(expectedZebras, KeywordMatches("memos", "zebra"));
        AssertFullTextIndexInStep("memos");
    }

    // ---------------------------------------------------------------- hostile input

    [Theory]
    [InlineData("'; DROP TABLE kmp_collections; --")]
    [InlineData("\" OR 1=1 --")]
    [InlineData("' OR '1'='1")]
    [InlineData("Robert'); DELETE FROM memos; --")]
    [InlineData("%_[]\\")]
    [InlineData("@f0 $p :p ?1")]
    public async Task HostileFilterValues_AreMatchedLiterally(string hostile)
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync([NewMemo("hostile", hostile, ns: hostile, tags: [hostile]), NewMemo("plain", "plain", ns: "plain", tags: ["plain"])], Ct);
        var values = new[] { hostile, "nothing" };

        var byEquality = await memos.GetAsync(m => m.Namespace == hostile, 10, cancellationToken: Ct).ToListAsync(Ct);
        var byList = await memos.GetAsync(m => m.Tags.Contains(hostile), 10, cancellationToken: Ct).ToListAsync(Ct);
        var byIn = await memos.GetAsync(m => values.Contains(m.Namespace), 10, cancellationToken: Ct).ToListAsync(Ct);
        var byInequality = await memos.GetAsync(m => m.Namespace != hostile, 10, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal("hostile", Assert.Single(byEquality).Id);
        Assert.Equal("hostile", Assert.Single(byList).Id);
        Assert.Equal("hostile", Assert.Single(byIn).Id);
        Assert.Equal("plain", Assert.Single(byInequality).Id);
        Assert.Equal(["memos"], await Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        Assert.Equal(2, await CountAsync(memos));
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("\"unterminated")]
    [InlineData("alpha AND OR NOT")]
    [InlineData("NEAR(alpha beta, 2)")]
    [InlineData("Text : alpha")]
    [InlineData("{Text Namespace}: alpha")]
    [InlineData("alpha*")]
    [InlineData("^alpha")]
    [InlineData("((((")]
    [InlineData("'; DROP TABLE kmp_collections; --")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("- + * / : ; , . ! ?")]
    public async Task HostileKeywords_NeverRaiseFtsSyntaxErrors(string hostile)
    {
        var memos = await MemosAsync();
        var hybrid = (IKeywordHybridSearchable<Memo>)memos;
        await memos.UpsertAsync([NewMemo("a", "alpha beta", [0, 1, 0]), NewMemo("b", "gamma", [1, 0, 0])], Ct);

        var results = await hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), [hostile, "alpha"], 5, cancellationToken: Ct).ToListAsync(Ct);

        Assert.Equal(2, results.Count);
        Assert.Equal(2, await CountAsync(memos));
        Assert.Equal(["memos"], await Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
    }

    [Fact]
    public void FtsQuery_QuotesEveryToken_AndDropsOperators()
    {
        Assert.Equal("\"alpha\" OR \"beta\"", SqliteFtsQuery.Build(["alpha AND (beta", "NOT"]));
        Assert.Equal("\"drop\" OR \"table\" OR \"x\"", SqliteFtsQuery.Build(["'; DROP TABLE x; --"]));
        Assert.Equal("\"the\"", SqliteFtsQuery.Build(["the"]));
        Assert.Null(SqliteFtsQuery.Build(["\"", "*", "", "   "]));
    }

    // ---------------------------------------------------------------- concurrency and transactions

    [Fact]
    public async Task ConcurrentWriters_InAndOutOfTransactions_LoseNothing()
    {
        var memos = await MemosAsync();
        using var stop = new CancellationTokenSource();
        int reads = 0;
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(
            async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await memos.SearchAsync(new ReadOnlyMemory<float>([1, 1, 0]), 5, cancellationToken: Ct).ToListAsync(Ct);
                    await memos.GetAsync(m => m.Number > 100, 5, cancellationToken: Ct).ToListAsync(Ct);
                    Interlocked.Increment(ref reads);
                }
            },
            Ct)).ToArray();

        var writers = Enumerable.Range(0, 8).Select(t => Task.Run(
            async () =>
            {
                for (int chunk = 0; chunk < 10; chunk++)
                {
                    var records = Enumerable.Range(chunk * 50, 50).Select(i => NewMemo($"w{t}-{i}", $"writer {t} record {i}", [t, i, 1], number: i, ns: "w" + t)).ToList();
                    if (t % 2 == 0)
                    {
                        foreach (var record in records)
                        {
                            await memos.UpsertAsync(record, Ct);
                        }
                    }
                    else
                    {
                        await using var transaction = await Store.BeginTransactionAsync(Ct);
                        foreach (var record in records.Take(25))
                        {
                            await memos.UpsertAsync(record, Ct);
                        }

                        await memos.UpsertAsync(records.Skip(25), Ct);
                        await transaction.CommitAsync(Ct);
                    }
                }
            },
            Ct)).ToArray();

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        var all = await memos.GetAsync(m => m.Number >= 0, 10_000, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Equal(4000, all.Count);
        Assert.All(Enumerable.Range(0, 8), t => Assert.Equal(500, all.Count(m => m.Namespace == "w" + t)));
        Assert.True(reads > 0);
        AssertFullTextIndexInStep("memos");
    }

    [Fact]
    public async Task Readers_RunWhileAWriterHoldsATransaction_AndSeeOnlyCommittedData()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(Enumerable.Range(0, 100).Select(i => NewMemo("c" + i, "committed", [1, i, 0], number: i)), Ct);

        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            await memos.UpsertAsync(Enumerable.Range(0, 100).Select(i => NewMemo("u" + i, "uncommitted", [1, i, 0], number: i)), Ct);
            Assert.Equal(200, await CountAsync(memos));

            Task<int[]> readers;
            using (ExecutionContext.SuppressFlow())
            {
                readers = Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(
                    async () =>
                    {
                        int seen = 0;
                        for (int i = 0; i < 10; i++)
                        {
                            seen = Math.Max(seen, await CountAsync(memos));
                            await memos.SearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), 10, cancellationToken: Ct).ToListAsync(Ct);
                        }

                        return seen;
                    },
                    Ct)));
            }

            // The readers finish while the transaction is still open: WAL readers do not wait for the writer.
            var counts = await readers.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.All(counts, c => Assert.Equal(100, c));
            await transaction.CommitAsync(Ct);
        }

        Assert.Equal(200, await CountAsync(memos));
    }

    [Fact]
    public async Task Transaction_ForkedTasksShareIt_AndReadTheirOwnWrites()
    {
        var memos = await MemosAsync();

        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            // Tasks started inside the flow inherit the ambient transaction; their operations are serialized on it.
            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() => memos.UpsertAsync(Enumerable.Range(0, 25).Select(i => NewMemo($"f{t}-{i}", number: i)), Ct), Ct)));
            Assert.Equal(100, await CountAsync(memos));
        }

        Assert.Equal(0, await CountAsync(memos));
    }

    [Fact]
    public async Task Transaction_CancelledWhileWaitingForTheWriter_LeavesTheFlowFree()
    {
        var memos = await MemosAsync();
        var holderStarted = new TaskCompletionSource();
        var releaseHolder = new TaskCompletionSource();
        Task holder;
        using (ExecutionContext.SuppressFlow())
        {
            holder = Task.Run(
                async () =>
                {
                    await using var transaction = await Store.BeginTransactionAsync(Ct);
                    holderStarted.SetResult();
                    await releaseHolder.Task;
                    await transaction.CommitAsync(Ct);
                },
                Ct);
        }

        await holderStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await Store.BeginTransactionAsync(cancel.Token));
        releaseHolder.SetResult();
        await holder.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            await memos.UpsertAsync(NewMemo("after-cancel"), Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.NotNull(await memos.GetAsync("after-cancel", cancellationToken: Ct));
    }

    [Fact]
    public async Task Transaction_CollectionCreatedAndDeletedInside_FollowsCommitAndRollback()
    {
        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            var rolledBack = await MemosAsync("rolled-back");
            await rolledBack.UpsertAsync(NewMemo("x"), Ct);
            Assert.True(await Store.CollectionExistsAsync("rolled-back", Ct));
        }

        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            var committed = await MemosAsync("committed");
            await committed.UpsertAsync(NewMemo("x"), Ct);
            await transaction.CommitAsync(Ct);
        }

        Assert.False(await Store.CollectionExistsAsync("rolled-back", Ct));
        Assert.Null(await Store.GetCollection<string, Memo>("rolled-back").GetAsync("x", cancellationToken: Ct));
        Assert.Equal(["committed"], await Store.ListCollectionNamesAsync(Ct).ToListAsync(Ct));
        Assert.NotNull(await Store.GetCollection<string, Memo>("committed").GetAsync("x", cancellationToken: Ct));
    }

    [Fact]
    public async Task Dispose_WithAnOpenTransactionInTheFlow_RollsItBack()
    {
        var memos = await MemosAsync();
        var transaction = await Store.BeginTransactionAsync(Ct);
        await memos.UpsertAsync(NewMemo("never"), Ct);

        await Store.DisposeAsync();
        await transaction.DisposeAsync();
        _store = new SqliteVectorStore(StorePath);

        Assert.Null(await Store.GetCollection<string, Memo>("memos").GetAsync("never", cancellationToken: Ct));
    }

    [Fact]
    public async Task Compact_AfterMassDelete_ShrinksTheFile_AndKeepsTheRest()
    {
        var memos = await MemosAsync();
        var hybrid = (IKeywordHybridSearchable<Memo>)memos;
        await memos.UpsertAsync(Enumerable.Range(0, 2000).Select(i => NewMemo("m" + i, $"memo number {i} about " + (i % 2 == 0 ? "rivers" : "mountains"), [i, 1, 0], number: i)), Ct);
        await memos.DeleteAsync(Enumerable.Range(0, 2000).Where(i => i % 10 != 0).Select(i => "m" + i), Ct);
        await Store.CompactAsync(Ct);
        long compacted = new FileInfo(StorePath).Length;
        await memos.UpsertAsync(Enumerable.Range(0, 2000).Select(i => NewMemo("m" + i, "refill " + i, [i, 1, 0], number: i)), Ct);
        await memos.DeleteAsync(Enumerable.Range(0, 2000).Where(i => i % 10 != 0).Select(i => "m" + i), Ct);
        await using (var transaction = await Store.BeginTransactionAsync(Ct))
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => Store.CompactAsync(Ct));
        }

        long beforeSecondCompact = new FileInfo(StorePath).Length + new FileInfo(StorePath + "-wal").Length;
        await Store.CompactAsync(Ct);

        Assert.True(new FileInfo(StorePath).Length < beforeSecondCompact, "Compacting after deleting 90% of the records makes the files smaller.");
        Assert.True(new FileInfo(StorePath).Length <= compacted * 2);
        Assert.Equal(0, new FileInfo(StorePath + "-wal").Length);
        Assert.Equal(200, await CountAsync(memos));
        Assert.Equal("refill 990", (await memos.GetAsync("m990", cancellationToken: Ct))?.Text);
        var found = await hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([0, 0, 1]), ["refill"], 1, cancellationToken: Ct).ToListAsync(Ct);
        Assert.Single(found);
        AssertFullTextIndexInStep("memos");
    }

    [Fact]
    public async Task Reopen_KeepsRecordsSearchAndFullText()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync([NewMemo("a", "persistent walrus", [0, 1, 0], tags: ["t"]), NewMemo("b", "other", [1, 0, 0])], Ct);
        await _store!.DisposeAsync();

        _store = new SqliteVectorStore(StorePath);
        var reopened = Store.GetCollection<string, Memo>("memos");
        var hybrid = (IKeywordHybridSearchable<Memo>)reopened;

        Assert.Equal(["t"], (await reopened.GetAsync("a", cancellationToken: Ct))?.Tags);
        Assert.Equal("a", (await reopened.SearchAsync(new ReadOnlyMemory<float>([0, 1, 0]), 1, cancellationToken: Ct).ToListAsync(Ct))[0].Record.Id);
        Assert.Equal("a", (await hybrid.HybridSearchAsync(new ReadOnlyMemory<float>([1, 0, 0]), ["walrus"], 1, cancellationToken: Ct).ToListAsync(Ct))[0].Record.Id);
    }
}
