using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Storage.InMemory;
using KernelMemoryPlus.Tests.Engine;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Encryption;

/// <summary>What the engine writes with encryption at rest on: sealed rows that read back exactly, and refuse tampering.</summary>
public sealed class RecordSealingTests
{
    private const string Secret = "zqxsecret8472";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static MemoryRecord FullRecord() => new()
    {
        Id = "0123456789abcdef0123456789abcdef",
        Namespace = "team/alpha",
        Kind = MemoryKind.Procedural,
        Content = $"Deploy {Secret} — with ünïcödé, emoji 🚀 and \"quotes\"",
        Tags = [Secret, "ops"],
        Metadata = new Dictionary<string, string> { ["owner"] = Secret, ["empty"] = "" },
        Importance = 0.7,
        CreatedAt = TestEngine.Start,
        UpdatedAt = TestEngine.Start.AddHours(1),
        OccurredAt = TestEngine.Start.AddMinutes(-5),
        ValidFrom = TestEngine.Start,
        ValidTo = TestEngine.Start.AddDays(3),
        AccessCount = 4,
        LastAccessedAt = TestEngine.Start.AddHours(2),
        Version = 7,
        Author = "agent-1",
        EmbeddingModel = "kmp-offline-v1",
        SessionId = "session-" + Secret,
        Subject = "subject " + Secret,
        Predicate = "predicate_" + Secret,
        Object = "object " + Secret,
        ProcedureName = "procedure " + Secret,
        Steps = ["step one " + Secret, "", "step three"],
        SuccessCount = 3,
        FailureCount = 1,
        Supersedes = "fedcba9876543210fedcba9876543210",
        Pinned = true,
    };

    [Fact]
    public void SealedRecord_HoldsNoPlaintext_AndReadsBackExactly()
    {
        var mapper = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);
        var record = FullRecord();

        var stored = mapper.ToStored(record, new float[] { 1, 2, 3 });

        Assert.Equal(string.Empty, stored.Content);
        Assert.Empty(stored.Tags);
        Assert.Null(stored.SessionId);
        Assert.Null(stored.Subject);
        Assert.Null(stored.Predicate);
        Assert.Null(stored.Object);
        Assert.Null(stored.ProcedureName);
        Assert.Null(stored.StepsJson);
        Assert.StartsWith(RecordSealer.Prefix, stored.MetadataJson, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, stored.MetadataJson!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(record.Id, stored.Id);
        Assert.Equal(record.Namespace, stored.Namespace);
        Assert.Equal(record.Version, stored.Version);

        var back = mapper.ToRecord(stored);
        Assert.Equal(record.Content, back.Content);
        Assert.Equal(record.Tags, back.Tags);
        Assert.Equal(record.Metadata, back.Metadata);
        Assert.Equal(record.Steps, back.Steps);
        var none = new Dictionary<string, string>();
        Assert.Equal(
            record with { Tags = [], Metadata = none, Steps = [] },
            back with { Tags = [], Metadata = none, Steps = [] });
    }

    [Fact]
    public void SealingTheSameRecordTwice_GivesDifferentCiphertexts()
    {
        var mapper = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);

        var a = mapper.ToStored(FullRecord(), null).MetadataJson;
        var b = mapper.ToStored(FullRecord(), null).MetadataJson;

        Assert.NotEqual(a, b); // a fresh random nonce per seal
    }

    [Fact]
    public void SealedLink_TypeIsSealed_AndReadsBack()
    {
        var mapper = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);
        var link = new MemoryLink { Id = "l1", Namespace = "ns", ToNamespace = "ns", FromId = "a", ToId = "b", Type = "secretly_" + Secret, Weight = 0.5, CreatedAt = TestEngine.Start, LastUsedAt = TestEngine.Start };

        var stored = mapper.ToStored(link);
        var back = mapper.ToLink(stored);

        Assert.DoesNotContain(Secret, stored.Type, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(link.Type, back.Type);
        Assert.Equal(link.FromId, back.FromId);
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("other-row")]
    [InlineData("other-namespace")]
    public void TamperedCiphertext_IsDetected_NotRead(string tamper)
    {
        var mapper = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);
        var stored = mapper.ToStored(FullRecord(), null);
        var other = mapper.ToStored(FullRecord() with { Id = "ffffffffffffffffffffffffffffffff" }, null);
        switch (tamper)
        {
            case "flip":
                var chars = stored.MetadataJson!.ToCharArray();
                int at = chars.Length / 2;
                chars[at] = chars[at] == 'A' ? 'B' : 'A';
                stored.MetadataJson = new string(chars);
                break;
            case "truncate":
                stored.MetadataJson = stored.MetadataJson![..^8];
                break;
            case "other-row":
                stored.MetadataJson = other.MetadataJson; // a valid envelope, of another memory
                break;
            case "other-namespace":
                stored.Namespace = "team/beta";
                break;
        }

        var ex = Assert.Throws<MemoryEncryptionException>(() => mapper.ToRecord(stored));

        Assert.Equal(stored.Id, ex.RecordId);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void WrongKey_ClearErrorNamingTheKey_NotGarbage()
    {
        var writer = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);
        var wrong = MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey());
        var stored = writer.ToStored(FullRecord(), null);

        var ex = Assert.Throws<MemoryEncryptionException>(() => new RecordMapper(wrong, sealWrites: true).ToRecord(stored));
        var noKeys = Assert.Throws<MemoryEncryptionException>(() => RecordMapper.Plain.ToRecord(stored));

        Assert.Equal(writer.KeyRing!.PrimaryKeyId, ex.KeyId);
        Assert.Contains($"encrypted with key {writer.KeyRing.PrimaryKeyId}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no encryption key is configured", noKeys.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlaintextRows_OfOlderStores_AreReadAsTheyAre()
    {
        var stored = RecordMapper.Plain.ToStored(FullRecord(), null);
        var mapper = new RecordMapper(MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey()), sealWrites: true);

        var back = mapper.ToRecord(stored);

        Assert.Equal(FullRecord().Content, back.Content);
        Assert.Equal(FullRecord().Metadata, back.Metadata);
        Assert.Equal(FullRecord().Steps, back.Steps);
    }

    [Fact]
    public async Task Engine_WithAKeyRing_SealsWhatItWrites_AndReadsItBackAfterARestart()
    {
        var ring = MemoryKeyRing.FromKeys(MemoryKeyRing.GenerateKey());
        var store = new InMemoryVectorStore();
        await using var t = new TestEngine(o => o.Encryption.KeyRing = ring, store);
        var stored = await t.RememberAsync($"The launch code is {Secret}", tags: [Secret], metadata: new Dictionary<string, string> { ["k"] = Secret }, sessionId: Secret);
        var other = await t.RememberAsync("another memory");
        await t.Associative.LinkAsync(stored.Id, other.Id, "knows_" + Secret, cancellationToken: Ct);

        var rows = await RawMemoriesAsync(store);
        var links = store.GetCollection<string, StoredLink>(MemoryEngine.LinksCollection);
        var link = await links.GetAsync(l => l.Namespace == TestEngine.Ns, 10, cancellationToken: Ct).SingleAsync(Ct);
        await using var reopened = t.Reopen();
        var hits = await reopened.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = Secret, Limit = 1 }, Ct);

        Assert.All(rows, r => Assert.True(RecordSealer.IsSealed(r.MetadataJson)));
        Assert.All(rows, r => Assert.Equal(string.Empty, r.Content));
        Assert.True(RecordSealer.IsSealed(link.Type));
        Assert.Equal(stored.Id, hits[0].Memory.Id);
        Assert.Equal(stored.Content, hits[0].Memory.Content);
        Assert.Equal("knows_" + Secret, Assert.Single(await reopened.GetLinksAsync(stored.Id, cancellationToken: Ct)).Type);
    }

    [Fact]
    public async Task Engine_InMemoryStoreWithoutKey_StaysPlain()
    {
        var store = new InMemoryVectorStore();
        await using var t = new TestEngine(store: store);

        await t.RememberAsync("plain in memory");

        Assert.Equal("plain in memory", Assert.Single(await RawMemoriesAsync(store)).Content);
    }

    internal static async Task<List<StoredMemory>> RawMemoriesAsync(VectorStore store, string ns = TestEngine.Ns)
    {
        var memories = store.GetCollection<string, StoredMemory>("kmp_memories", StoredMemory.Definition(384));
        var rows = new List<StoredMemory>();
        await foreach (var row in memories.GetAsync(m => m.Namespace == ns, 1000, cancellationToken: Ct))
        {
            rows.Add(row);
        }

        return rows;
    }
}
