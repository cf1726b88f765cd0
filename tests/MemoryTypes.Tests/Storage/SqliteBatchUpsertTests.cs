using System.Globalization;
using System.Text.Json;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Storage;

/// <summary>
/// The SQLite upsert path: batches that mix new and existing keys or repeat a key keep the full-text index exactly in
/// step and end with the last record of each key; values are stored exactly as the value codec stores them, whatever
/// repeats from one record to the next.
/// </summary>
public sealed class SqliteBatchUpsertTests : IAsyncLifetime
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
        public string? Text { get; set; } = "";

        [VectorStoreData(IsIndexed = true)]
        public int Number { get; set; }

        [VectorStoreVector(2)]
        public ReadOnlyMemory<float> Embedding { get; set; }
    }

    public sealed class Plain
    {
        [VectorStoreKey]
        public long Id { get; set; }

        [VectorStoreData]
        public string? Text { get; set; }

        [VectorStoreVector(2)]
        public float[]? Embedding { get; set; }
    }

    /// <summary>One property of every type the store binds directly, nullable where the type allows it.</summary>
    public sealed class Row
    {
        public string Id { get; set; } = "";

        public string? S { get; set; }

        public long L { get; set; }

        public long? NL { get; set; }

        public int I { get; set; }

        public int? NI { get; set; }

        public double D { get; set; }

        public double? ND { get; set; }

        public float F { get; set; }

        public float? NF { get; set; }

        public bool B { get; set; }

        public bool? NB { get; set; }

        public List<string?>? Tags { get; set; }

        public string[]? Arr { get; set; }

        public DateTimeOffset? When { get; set; }

        public ReadOnlyMemory<float>? V { get; set; } = new float[] { 0, 1 };

        public static VectorStoreCollectionDefinition Definition => new()
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Id), typeof(string)),
                new VectorStoreDataProperty(nameof(S), typeof(string)) { IsFullTextIndexed = true },
                new VectorStoreDataProperty(nameof(L), typeof(long)),
                new VectorStoreDataProperty(nameof(NL), typeof(long?)),
                new VectorStoreDataProperty(nameof(I), typeof(int)),
                new VectorStoreDataProperty(nameof(NI), typeof(int?)),
                new VectorStoreDataProperty(nameof(D), typeof(double)),
                new VectorStoreDataProperty(nameof(ND), typeof(double?)),
                new VectorStoreDataProperty(nameof(F), typeof(float)),
                new VectorStoreDataProperty(nameof(NF), typeof(float?)),
                new VectorStoreDataProperty(nameof(B), typeof(bool)),
                new VectorStoreDataProperty(nameof(NB), typeof(bool?)),
                new VectorStoreDataProperty(nameof(Tags), typeof(List<string?>)),
                new VectorStoreDataProperty(nameof(Arr), typeof(string[])),
                new VectorStoreDataProperty(nameof(When), typeof(DateTimeOffset?)),
                new VectorStoreVectorProperty(nameof(V), typeof(ReadOnlyMemory<float>?), 2),
            ],
        };

        public Dictionary<string, object?> ToDictionary() => new()
        {
            [nameof(Id)] = Id,
            [nameof(S)] = S,
            [nameof(L)] = L,
            [nameof(NL)] = NL,
            [nameof(I)] = I,
            [nameof(NI)] = NI,
            [nameof(D)] = D,
            [nameof(ND)] = ND,
            [nameof(F)] = F,
            [nameof(NF)] = NF,
            [nameof(B)] = B,
            [nameof(NB)] = NB,
            [nameof(Tags)] = Tags,
            [nameof(Arr)] = Arr,
            [nameof(When)] = When,
            [nameof(V)] = V,
        };
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

    private static Memo NewMemo(string id, string? text, int number = 0) => new()
    {
        Id = id,
        Text = text,
        Number = number,
        Embedding = new float[] { 1, number },
    };

    private (string Table, string Fts) Tables(string collection)
    {
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT table_name, fts_table_name FROM kmp_collections WHERE name = @name";
        command.Parameters.AddWithValue("@name", collection);
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        return (reader.GetString(0), reader.GetString(1));
    }

    /// <summary>FTS5's own check that an external-content index matches its table exactly.</summary>
    private void AssertFullTextIndexInStep(string collection)
    {
        var fts = Tables(collection).Fts;
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        SqliteTestFiles.Execute(raw, $"INSERT INTO \"{fts}\"(\"{fts}\", rank) VALUES ('integrity-check', 1)");
    }

    private long KeywordMatches(string collection, string word)
    {
        var fts = Tables(collection).Fts;
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM \"{fts}\" WHERE \"{fts}\" MATCH @word";
        command.Parameters.AddWithValue("@word", word);
        return (long)command.ExecuteScalar()!;
    }

    private long Count(string collection)
    {
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        return (long)SqliteTestFiles.Scalar(raw, $"SELECT count(*) FROM \"{Tables(collection).Table}\"")!;
    }

    // ---------------------------------------------------------------- new and existing keys

    [Fact]
    public async Task Batch_MixingNewAndExistingKeys_KeepsTheFullTextIndexExactlyInStep()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(Enumerable.Range(0, 100).Select(i => NewMemo("m" + i, $"alpha old{i}", i)), Ct);

        // Existing keys (every even one below 100) interleaved with new keys, in one batch.
        var batch = new List<Memo>();
        for (int i = 0; i < 100; i++)
        {
            if (i % 2 == 0)
            {
                batch.Add(NewMemo("m" + i, $"bravo new{i}", 1000 + i));
            }

            batch.Add(NewMemo("n" + i, $"charlie fresh{i}", 2000 + i));
        }

        await memos.UpsertAsync(batch, Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(200, Count("memos"));
        Assert.Equal(50, KeywordMatches("memos", "alpha"));
        Assert.Equal(50, KeywordMatches("memos", "bravo"));
        Assert.Equal(100, KeywordMatches("memos", "charlie"));
        Assert.Equal(0, KeywordMatches("memos", "old0"));
        Assert.Equal(1, KeywordMatches("memos", "old1"));
        Assert.Equal(1, KeywordMatches("memos", "new0"));
        for (int i = 0; i < 100; i++)
        {
            var existing = await memos.GetAsync("m" + i, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
            Assert.Equal(i % 2 == 0 ? $"bravo new{i}" : $"alpha old{i}", existing!.Text);
            Assert.Equal(i % 2 == 0 ? 1000 + i : i, existing.Number);
            Assert.Equal(existing.Number, existing.Embedding.Span[1]);
            Assert.Equal($"charlie fresh{i}", (await memos.GetAsync("n" + i, cancellationToken: Ct))!.Text);
        }

        // Only existing keys, then only new ones, then deletes of present and missing keys.
        await memos.UpsertAsync(Enumerable.Range(0, 100).Select(i => NewMemo("n" + i, $"delta again{i}")), Ct);
        await memos.UpsertAsync(Enumerable.Range(0, 10).Select(i => NewMemo("z" + i, "echo")), Ct);
        await memos.DeleteAsync(["m0", "m1", "missing", "z9"], Ct);
        await memos.DeleteAsync(["missing", "also missing"], Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(207, Count("memos"));
        Assert.Equal(0, KeywordMatches("memos", "charlie"));
        Assert.Equal(100, KeywordMatches("memos", "delta"));
        Assert.Equal(9, KeywordMatches("memos", "echo"));
        Assert.Equal(49, KeywordMatches("memos", "bravo"));
        Assert.Equal(49, KeywordMatches("memos", "alpha"));
    }

    [Fact]
    public async Task Batch_WithTheSameKeyMoreThanOnce_EndsWithTheLastRecord_AndOneIndexEntry()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(NewMemo("e", "golf original", 1), Ct);

        await memos.UpsertAsync(
            [
                NewMemo("n", "hotel first", 2),
                NewMemo("e", "india second", 3),
                NewMemo("n", "juliet third", 4),
                NewMemo("x", "kilo", 5),
                NewMemo("e", "lima fourth", 6),
                NewMemo("n", null, 7),
                NewMemo("n", "mike fifth", 8),
            ],
            Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(3, Count("memos"));
        Assert.Equal("mike fifth", (await memos.GetAsync("n", cancellationToken: Ct))!.Text);
        Assert.Equal(8, (await memos.GetAsync("n", cancellationToken: Ct))!.Number);
        Assert.Equal("lima fourth", (await memos.GetAsync("e", cancellationToken: Ct))!.Text);
        Assert.Equal(6, (await memos.GetAsync("e", cancellationToken: Ct))!.Number);
        foreach (var gone in new[] { "golf", "hotel", "india", "juliet" })
        {
            Assert.Equal(0, KeywordMatches("memos", gone));
        }

        foreach (var present in new[] { "kilo", "lima", "mike" })
        {
            Assert.Equal(1, KeywordMatches("memos", present));
        }

        // The same key twice, both times new, in a batch of its own.
        await memos.UpsertAsync([NewMemo("p", "november"), NewMemo("p", "oscar")], Ct);
        AssertFullTextIndexInStep("memos");
        Assert.Equal(0, KeywordMatches("memos", "november"));
        Assert.Equal("oscar", (await memos.GetAsync("p", cancellationToken: Ct))!.Text);
    }

    [Fact]
    public async Task Batch_OfMostlyExistingKeys_WithNewAndRepeatedKeysAmongThem_KeepsTheIndexInStep()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync(Enumerable.Range(0, 50).Select(i => NewMemo("m" + i, $"papa old{i}", i)), Ct);

        // Mostly existing keys (the store then looks keys up before inserting), with new keys, a new key repeated
        // later in the batch, and an existing key repeated.
        var batch = Enumerable.Range(0, 50).Select(i => NewMemo("m" + i, $"quebec new{i}", 100 + i)).ToList();
        batch.Insert(20, NewMemo("fresh1", "romeo first"));
        batch.Insert(30, NewMemo("fresh1", "sierra second"));
        batch.Insert(40, NewMemo("m3", "tango again", 7));
        batch.Add(NewMemo("fresh2", "uniform"));
        await memos.UpsertAsync(batch, Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(52, Count("memos"));
        Assert.Equal(0, KeywordMatches("memos", "papa"));
        Assert.Equal(49, KeywordMatches("memos", "quebec"));
        Assert.Equal(0, KeywordMatches("memos", "romeo"));
        Assert.Equal(1, KeywordMatches("memos", "sierra"));
        Assert.Equal(1, KeywordMatches("memos", "tango"));
        Assert.Equal(1, KeywordMatches("memos", "uniform"));
        Assert.Equal("tango again", (await memos.GetAsync("m3", cancellationToken: Ct))!.Text);
        Assert.Equal("sierra second", (await memos.GetAsync("fresh1", cancellationToken: Ct))!.Text);
        Assert.Equal(149, (await memos.GetAsync("m49", cancellationToken: Ct))!.Number);
    }

    [Fact]
    public async Task Batch_WithTheSameKeyMoreThanOnce_WithoutFullText_EndsWithTheLastRecord()
    {
        var plain = Store.GetCollection<long, Plain>("plain");
        await plain.EnsureCollectionExistsAsync(Ct);
        await plain.UpsertAsync(new Plain { Id = 1, Text = "before", Embedding = [1, 1] }, Ct);

        await plain.UpsertAsync(
            [
                new Plain { Id = 2, Text = "first", Embedding = [2, 2] },
                new Plain { Id = 1, Text = "second", Embedding = [3, 3] },
                new Plain { Id = 2, Text = null, Embedding = [5, 5] },
                new Plain { Id = 1, Text = "third", Embedding = [4, 4] },
            ],
            Ct);

        var one = await plain.GetAsync(1, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        var two = await plain.GetAsync(2, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
        Assert.Equal("third", one!.Text);
        Assert.Equal(new float[] { 4, 4 }, one.Embedding!);
        Assert.Null(two!.Text);
        Assert.Equal(new float[] { 5, 5 }, two.Embedding!);
    }

    [Fact]
    public async Task Batch_WhenSqliteHandsOutRowIdsOutOfOrder_KeepsTheFullTextIndexInStep()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync([NewMemo("top", "papa"), NewMemo("old", "quebec")], Ct);
        var (table, fts) = Tables("memos");
        using (var raw = SqliteTestFiles.OpenRaw(StorePath))
        {
            // With the largest row id taken, SQLite gives new rows random unused row ids instead of max + 1.
            SqliteTestFiles.Execute(raw, $"INSERT INTO \"{fts}\"(\"{fts}\", rowid, \"Text\") SELECT 'delete', kmp_rowid, \"Text\" FROM \"{table}\" WHERE \"Id\" = 'top'");
            SqliteTestFiles.Execute(raw, $"UPDATE \"{table}\" SET kmp_rowid = 9223372036854775807 WHERE \"Id\" = 'top'");
            SqliteTestFiles.Execute(raw, $"INSERT INTO \"{fts}\"(rowid, \"Text\") SELECT kmp_rowid, \"Text\" FROM \"{table}\" WHERE \"Id\" = 'top'");
        }

        AssertFullTextIndexInStep("memos");
        var batch = Enumerable.Range(0, 60).Select(i => NewMemo("r" + i, "romeo " + i, i)).ToList();
        batch.Insert(30, NewMemo("old", "sierra"));
        batch.Insert(10, NewMemo("r3", "tango"));
        batch.Add(NewMemo("top", "uniform"));
        await memos.UpsertAsync(batch, Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(62, Count("memos"));
        Assert.Equal(59, KeywordMatches("memos", "romeo"));
        Assert.Equal(1, KeywordMatches("memos", "tango"));
        Assert.Equal(0, KeywordMatches("memos", "papa"));
        Assert.Equal(0, KeywordMatches("memos", "quebec"));
        Assert.Equal(1, KeywordMatches("memos", "sierra"));
        Assert.Equal(1, KeywordMatches("memos", "uniform"));
        Assert.Equal("tango", (await memos.GetAsync("r3", cancellationToken: Ct))!.Text);
        using (var raw = SqliteTestFiles.OpenRaw(StorePath))
        {
            long spread = (long)SqliteTestFiles.Scalar(raw, $"SELECT max(kmp_rowid) - min(kmp_rowid) FROM \"{table}\" WHERE \"Id\" LIKE 'r%'")!;
            Assert.True(spread > 1000, "the new rows were expected to get scattered row ids");
        }
    }

    [Fact]
    public async Task Upsert_AfterTheCollectionWasDeletedAndCreatedAgain_WritesTheNewTable()
    {
        var memos = await MemosAsync();
        await memos.UpsertAsync([NewMemo("a", "victor"), NewMemo("b", "whiskey")], Ct);
        await memos.EnsureCollectionDeletedAsync(Ct);
        await memos.EnsureCollectionExistsAsync(Ct);

        await memos.UpsertAsync([NewMemo("a", "xray"), NewMemo("c", "yankee")], Ct);
        await memos.UpsertAsync(NewMemo("a", "zulu"), Ct);

        AssertFullTextIndexInStep("memos");
        Assert.Equal(2, Count("memos"));
        Assert.Equal(0, KeywordMatches("memos", "victor"));
        Assert.Equal(0, KeywordMatches("memos", "xray"));
        Assert.Equal(1, KeywordMatches("memos", "zulu"));
    }

    [Fact]
    public async Task Upsert_IntoManyCollections_InTurn_StaysCorrect()
    {
        // More collections than the writer keeps prepared statements for, written in turn, twice.
        var collections = new List<VectorStoreCollection<string, Memo>>();
        for (int c = 0; c < 70; c++)
        {
            collections.Add(await MemosAsync("c" + c.ToString(CultureInfo.InvariantCulture)));
        }

        for (int round = 0; round < 2; round++)
        {
            for (int c = 0; c < collections.Count; c++)
            {
                await collections[c].UpsertAsync([NewMemo("k", $"round{round} coll{c}"), NewMemo("k" + round, "extra")], Ct);
            }
        }

        foreach (int c in new[] { 0, 33, 69 })
        {
            var name = "c" + c.ToString(CultureInfo.InvariantCulture);
            AssertFullTextIndexInStep(name);
            Assert.Equal(3, Count(name));
            Assert.Equal($"round1 coll{c}", (await collections[c].GetAsync("k", cancellationToken: Ct))!.Text);
        }
    }

    // ---------------------------------------------------------------- values

    [Fact]
    public async Task Values_RepeatedFromRecordToRecord_AreStoredPerRecord_AsTheValueCodecStoresThem()
    {
        var typed = Store.GetCollection<string, Row>("typed", Row.Definition);
        await typed.EnsureCollectionExistsAsync(Ct);
        var dynamic = Store.GetDynamicCollection("dynamic", Row.Definition);
        await dynamic.EnsureCollectionExistsAsync(Ct);

        var shared = "shared text";
        var rows = new List<Row>();
        for (int i = 0; i < 40; i++)
        {
            // Runs of equal values, NULL between values, equal strings in different instances, -0.0 and 0.0.
            int run = i / 3;
            rows.Add(new Row
            {
                Id = "r" + i.ToString("D2", CultureInfo.InvariantCulture),
                S = (i % 5) switch { 0 => null, 1 => shared, 2 => new string(shared.AsSpan()), 3 => "", _ => "own " + run },
                L = run % 2 == 0 ? long.MinValue : long.MaxValue,
                NL = i % 4 == 0 ? null : run,
                I = run,
                NI = i % 3 == 0 ? null : int.MinValue + run,
                D = (i % 4) switch { 0 => 0.0, 1 => -0.0, 2 => double.PositiveInfinity, _ => 1.0 / (run + 1) },
                ND = i % 2 == 0 ? null : double.Epsilon * run,
                F = run % 2 == 0 ? 0.1f : float.MaxValue,
                NF = i % 3 == 1 ? null : 1.5f * run,
                B = run % 2 == 0,
                NB = (i % 3) switch { 0 => null, 1 => true, _ => false },
                Tags = (i % 4) switch { 0 => null, 1 => [], 2 => ["a", null, "\"quoted\" <html> & 'x' é ü 😀 \uDC00"], _ => ["a"] },
                Arr = i % 2 == 0 ? null : ["x" + run, "y"],
                When = i % 5 == 0 ? null : new DateTimeOffset(2024, 1, 1, 0, run, 0, TimeSpan.FromHours(run % 3)),
                V = new ReadOnlyMemory<float>([run, -run]),
            });
        }

        // In two batches and then one by one over the second half, so statements carry bindings across operations.
        await typed.UpsertAsync(rows.Take(25), Ct);
        await typed.UpsertAsync(rows.Skip(25), Ct);
        foreach (var row in rows.Skip(20))
        {
            await typed.UpsertAsync(row, Ct);
        }

        await dynamic.UpsertAsync(rows.Select(r => r.ToDictionary()), Ct);

        var columns = string.Join(", ", new[] { "S", "L", "NL", "I", "NI", "D", "ND", "F", "NF", "B", "NB", "Tags", "Arr", "When", "When$offset", "V" }.Select(c => $"typeof(\"{c}\") || ':' || quote(\"{c}\")"));
        Assert.Equal(StoredRows("dynamic", columns), StoredRows("typed", columns));

        foreach (var expected in rows)
        {
            var actual = await typed.GetAsync(expected.Id, new RecordRetrievalOptions { IncludeVectors = true }, Ct);
            Assert.NotNull(actual);
            Assert.Equal(expected.S, actual.S);
            Assert.Equal(expected.L, actual.L);
            Assert.Equal(expected.NL, actual.NL);
            Assert.Equal(expected.I, actual.I);
            Assert.Equal(expected.NI, actual.NI);
            Assert.Equal(expected.D, actual.D);
            Assert.Equal(expected.ND, actual.ND);
            Assert.Equal(expected.F, actual.F);
            Assert.Equal(expected.NF, actual.NF);
            Assert.Equal(expected.B, actual.B);
            Assert.Equal(expected.NB, actual.NB);
            // The lone surrogate cannot be UTF-8 and reads back as U+FFFD, on both paths alike.
            Assert.Equal(expected.Tags?.Select(t => t?.Replace("\uDC00", "\uFFFD", StringComparison.Ordinal)), actual.Tags);
            Assert.Equal(expected.Arr, actual.Arr);
            Assert.Equal(expected.When, actual.When);
            Assert.Equal(expected.V?.ToArray(), actual.V?.ToArray());
        }

        AssertFullTextIndexInStep("typed");
    }

    private List<string> StoredRows(string collection, string columns)
    {
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        using var command = raw.CreateCommand();
        command.CommandText = $"SELECT \"Id\", {columns} FROM \"{Tables(collection).Table}\" ORDER BY \"Id\"";
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(reader.GetString)));
        }

        Assert.Equal(40, rows.Count);
        return rows;
    }

    [Fact]
    public async Task Strings_AreStoredExactly_AsUtf8_WithJsonListsAsTheSerializerWritesThem()
    {
        var typed = Store.GetCollection<string, Row>("typed", Row.Definition);
        await typed.EnsureCollectionExistsAsync(Ct);
        var longWithNul = new string('a', 600) + "\0after the nul" + new string('b', 600);
        var tags = new List<string?> { "plain", "\"quoted\"", "<b>&amp;</b>", "é ü ß 漢字 😀", "line\nbreak\ttab", null, "", "lone \uD800 surrogate" };

        await typed.UpsertAsync(
            [
                new Row { Id = "long", S = longWithNul, Tags = tags },
                new Row { Id = "short", S = "x\0y", Arr = ["\u0001", "'"] },
                new Row { Id = "surrogate", S = "a\uD800b" },
            ],
            Ct);

        Assert.Equal(longWithNul, (await typed.GetAsync("long", cancellationToken: Ct))!.S);
        Assert.Equal("x\0y", (await typed.GetAsync("short", cancellationToken: Ct))!.S);

        // A lone surrogate cannot be UTF-8: it is stored as U+FFFD, as the UTF-8 encoder (and Microsoft.Data.Sqlite) does.
        Assert.Equal("a\uFFFDb", (await typed.GetAsync("surrogate", cancellationToken: Ct))!.S);
        using var raw = SqliteTestFiles.OpenRaw(StorePath);
        var table = Tables("typed").Table;
        Assert.Equal(JsonSerializer.Serialize(tags), SqliteTestFiles.Scalar(raw, $"SELECT \"Tags\" FROM \"{table}\" WHERE \"Id\" = 'long'"));
        Assert.Equal(JsonSerializer.Serialize(new[] { "\u0001", "'" }), SqliteTestFiles.Scalar(raw, $"SELECT \"Arr\" FROM \"{table}\" WHERE \"Id\" = 'short'"));
        Assert.Equal(longWithNul.Length, Convert.ToInt64(SqliteTestFiles.Scalar(raw, $"SELECT length(CAST(\"S\" AS BLOB)) FROM \"{table}\" WHERE \"Id\" = 'long'"), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task NullVector_IsTreatedAlike_ByTypedAndDynamicRecords()
    {
        var definition = new VectorStoreCollectionDefinition
        {
            Properties =
            [
                new VectorStoreKeyProperty(nameof(Plain.Id), typeof(long)),
                new VectorStoreDataProperty(nameof(Plain.Text), typeof(string)),
                new VectorStoreVectorProperty(nameof(Plain.Embedding), typeof(float[]), 2),
            ],
        };
        var typed = Store.GetCollection<long, Plain>("plain", definition);
        await typed.EnsureCollectionExistsAsync(Ct);
        var dynamic = Store.GetDynamicCollection("plain", definition);

        // Typed records read their vectors through typed getters, dynamic ones through the shared record model: a
        // null vector must get the same answer from both (stored, or refused with the same message).
        var typedOutcome = await OutcomeAsync(() => typed.UpsertAsync(new Plain { Id = 1, Text = "t", Embedding = null }, Ct));
        var dynamicOutcome = await OutcomeAsync(() => dynamic.UpsertAsync(new Dictionary<string, object?> { ["Id"] = 2L, ["Text"] = "t", ["Embedding"] = null }, Ct));

        Assert.Equal(dynamicOutcome.Replace("'2'", "'1'", StringComparison.Ordinal), typedOutcome);
    }

    private static async Task<string> OutcomeAsync(Func<Task> upsert)
    {
        try
        {
            await upsert();
            return "stored";
        }
        catch (VectorStoreException ex)
        {
            return ex.Message;
        }
    }

    [Fact]
    public async Task NaN_IsRefused_AndNothingOfTheBatchIsWritten()
    {
        var typed = Store.GetCollection<string, Row>("typed", Row.Definition);
        await typed.EnsureCollectionExistsAsync(Ct);
        await typed.UpsertAsync(new Row { Id = "kept", D = 1 }, Ct);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => typed.UpsertAsync(
            [new Row { Id = "a", D = 2 }, new Row { Id = "kept", D = 3 }, new Row { Id = "b", NF = float.NaN }],
            Ct));

        Assert.Contains("NaN", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, Count("typed"));
        Assert.Equal(1, (await typed.GetAsync("kept", cancellationToken: Ct))!.D);
        AssertFullTextIndexInStep("typed");

        // The connection stays usable.
        await typed.UpsertAsync(new Row { Id = "after", D = double.NegativeInfinity }, Ct);
        Assert.Equal(double.NegativeInfinity, (await typed.GetAsync("after", cancellationToken: Ct))!.D);
    }

    [Fact]
    public async Task FailedBatch_LeavesNoStaleBindings_ForTheNextOne()
    {
        var memos = await MemosAsync();
        var (table, _) = Tables("memos");
        using (var raw = SqliteTestFiles.OpenRaw(StorePath))
        {
            SqliteTestFiles.Execute(raw, $"CREATE TRIGGER reject_poison BEFORE INSERT ON \"{table}\" WHEN new.\"Text\" = 'poison' BEGIN SELECT RAISE(ABORT, 'poison record'); END");
        }

        await Assert.ThrowsAsync<VectorStoreException>(() => memos.UpsertAsync([NewMemo("a", "same", 5), NewMemo("b", "poison", 5)], Ct));

        // The statement last held "poison" and 5: the next records bind what they hold, equal or not.
        await memos.UpsertAsync([NewMemo("c", "same", 5), NewMemo("d", null, 5), NewMemo("e", "same", 6)], Ct);

        Assert.Equal(3, Count("memos"));
        Assert.Equal("same", (await memos.GetAsync("c", cancellationToken: Ct))!.Text);
        Assert.Null((await memos.GetAsync("d", cancellationToken: Ct))!.Text);
        Assert.Equal(6, (await memos.GetAsync("e", cancellationToken: Ct))!.Number);
        AssertFullTextIndexInStep("memos");
    }
}
