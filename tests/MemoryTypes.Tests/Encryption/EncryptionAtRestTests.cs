using System.Collections.Concurrent;
using System.Text;
using KernelMemoryPlus.Embeddings;
using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Storage.Sqlite;
using KernelMemoryPlus.Tests.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Tests.Encryption;

/// <summary>
/// The engine on a real SQLite file: nothing stored reaches any file of the data folder in plaintext (the test greps
/// them), and the same test with encryption off finds the secret (so it can fail); old plaintext stores load and are
/// encrypted by re-encryption; rotation beside a busy engine loses nothing.
/// </summary>
public sealed class EncryptionAtRestTests
{
    private const string Ns = "secrets";

    /// <summary>Lower case: tags, link types and predicates are normalized to lower case.</summary>
    private const string Secret = "zqxsecret8472";

    /// <summary>
    /// The link type of the general test; a secret link type is checked by <see cref="DataFolder_HoldsNoLinkTypeInPlaintext"/>
    /// (link types are sealed in their column, and link ids do not hold the type: <see cref="MemoryLink.NewId"/>).
    /// </summary>
    private const string LinkType = "relates_to";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DataFolder_HoldsNoStoredPlaintext_WithEncryptionOn()
    {
        using var files = new SqliteTestFiles();
        var logs = new LogSink();

        await StoreEverythingAsync(files, on: true, logs);

        Assert.Empty(DataFolderScan.FilesContaining(files.Directory, Secret));
        var keyFile = files.PathOf("memory.keys.json");
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        // The start-up line says where the key is, and nothing logged (contents at Trace level included) holds it.
        Assert.Contains(logs.Messages, m => m.Contains("Generated a new key file", StringComparison.Ordinal) && m.Contains(keyFile, StringComparison.Ordinal));
        var key = System.Text.Json.JsonDocument.Parse(File.ReadAllText(keyFile)).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        Assert.DoesNotContain(logs.Messages, m => m.Contains(key, StringComparison.Ordinal) || m.Contains(key[..16], StringComparison.Ordinal));
    }

    [Fact]
    public async Task LargeBatch_IsSealedAndWrittenInChunks_AllOrNothing_AndReadsBackWhole()
    {
        using var files = new SqliteTestFiles();
        var db = files.PathOf("memory.db");
        var batch = Enumerable.Range(0, 1_300).Select(i => new NewMemory { Namespace = Ns, Content = $"batch item {i} {Secret}", Tags = [$"t{i % 7}"] }).ToList();
        IReadOnlyList<MemoryRecord> stored;
        await using (var s = SqliteEngine.Open(db))
        {
            stored = await s.Engine.RememberManyAsync(batch, Ct);

            // One bad item: the whole batch (several chunks) is refused and nothing of it is written.
            var bad = batch.Select(m => m with { Content = m.Content + " again" }).Append(new NewMemory { Namespace = Ns, Content = " " }).ToList();
            await Assert.ThrowsAsync<MemoryValidationException>(() => s.Engine.RememberManyAsync(bad, Ct));
        }

        Assert.Empty(DataFolderScan.FilesContaining(files.Directory, Secret));
        await using var reopened = SqliteEngine.Open(db);
        var page = await reopened.Engine.ListAsync(Ns, limit: 1000, cancellationToken: Ct);
        Assert.Equal(1_000, page.Items.Count);
        var all = new List<MemoryRecord>(page.Items);
        all.AddRange((await reopened.Engine.ListAsync(Ns, cursor: page.NextCursor, limit: 1000, cancellationToken: Ct)).Items);
        Assert.Equal(stored.Select(m => (m.Id, m.Content, m.Tags[0])).OrderBy(x => x.Id, StringComparer.Ordinal), all.Select(m => (m.Id, m.Content, m.Tags[0])).OrderBy(x => x.Id, StringComparer.Ordinal));
    }

    [Fact]
    public async Task DataFolder_HoldsNoLinkTypeInPlaintext()
    {
        using var files = new SqliteTestFiles();
        await using (var s = SqliteEngine.Open(files.PathOf("memory.db")))
        {
            var a = await s.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = "a" }, Ct);
            var b = await s.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = "b" }, Ct);
            await s.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = b.Id, Type = "link_" + Secret }, Ct);
            await new SemanticMemory(s.Engine).UpsertEntitiesAsync(Ns, [new NewEntity("x"), new NewEntity("y")], cancellationToken: Ct);
            await new SemanticMemory(s.Engine).RelateAsync(Ns, "x", "trusts_" + Secret, "y", cancellationToken: Ct);
        }

        Assert.Empty(DataFolderScan.FilesContaining(files.Directory, Secret));
    }

    [Fact]
    public async Task DataFolder_HoldsTheSecret_WithEncryptionOff()
    {
        using var files = new SqliteTestFiles();

        await StoreEverythingAsync(files, on: false, new LogSink());

        Assert.NotEmpty(DataFolderScan.FilesContaining(files.Directory, Secret));
        Assert.False(File.Exists(files.PathOf("memory.keys.json")));
    }

    [Fact]
    public async Task PlaintextStore_StillLoads_AndReencryptionLeavesNoPlaintextAnywhere()
    {
        using var files = new SqliteTestFiles();
        var db = files.PathOf("memory.db");

        // An older store: written without encryption, with the full-text index older releases gave the memories table.
        using (var store = new SqliteVectorStore(db))
        {
            var old = StoredMemory.Definition(384);
            foreach (var p in old.Properties.OfType<VectorStoreDataProperty>().Where(p => p.Name == nameof(StoredMemory.Content)))
            {
                p.IsFullTextIndexed = true;
            }

            await store.GetCollection<string, StoredMemory>("kmp_memories", old).EnsureCollectionExistsAsync(Ct);
        }

        string id;
        await using (var plain = SqliteEngine.Open(db, o => o.Enabled = false))
        {
            id = (await plain.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = $"old plaintext {Secret}", Tags = [Secret] }, Ct)).Id;
            var other = await plain.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = "another" }, Ct);
            await plain.Engine.LinkAsync(new NewLink { FromId = id, ToId = other.Id, Type = LinkType }, Ct);
        }

        Assert.NotEmpty(DataFolderScan.FilesContaining(files.Directory, Secret));

        await using (var encrypted = SqliteEngine.Open(db))
        {
            // Old rows read as they are; new ones are sealed.
            Assert.Contains(Secret, (await encrypted.Engine.GetRequiredAsync(id, Ct)).Content, StringComparison.Ordinal);
            await encrypted.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = $"new {Secret}" }, Ct);
        }

        ReencryptionResult result;
        using (var store = new SqliteVectorStore(db))
        {
            var ring = MemoryEncryption.OpenKeyRing(new EncryptionOptions(), store, create: false)!;
            var before = await MemoryEncryption.GetStatusAsync(store, null, ring, Ct);
            result = await MemoryEncryption.ReencryptAsync(store, null, ring, cancellationToken: Ct);
            var after = await MemoryEncryption.GetStatusAsync(store, null, ring, Ct);
            await store.CompactAsync(Ct);

            Assert.Equal(2, before.Memories[EncryptionStatus.Plaintext]);
            Assert.Equal(1, before.Links[EncryptionStatus.Plaintext]);
            Assert.Equal([ring.PrimaryKeyId], after.Memories.Keys);
            Assert.Equal(3, after.Memories[ring.PrimaryKeyId]);
        }

        Assert.Equal(new ReencryptionResult(2, 1, 2, 1), result);
        Assert.Empty(DataFolderScan.FilesContaining(files.Directory, Secret));
        await using (var reopened = SqliteEngine.Open(db))
        {
            Assert.Equal($"old plaintext {Secret}", (await reopened.Engine.GetRequiredAsync(id, Ct)).Content);
            Assert.Equal(LinkType, Assert.Single(await reopened.Engine.GetLinksAsync(id, cancellationToken: Ct)).Type);
        }
    }

    [Fact]
    public async Task WrongKey_ReadingFails_WithAClearError()
    {
        using var files = new SqliteTestFiles();
        var db = files.PathOf("memory.db");
        await using (var engine = SqliteEngine.Open(db))
        {
            await engine.Engine.RememberAsync(new NewMemory { Namespace = Ns, Content = Secret }, Ct);
        }

        await using var wrong = SqliteEngine.Open(db, o => o.Key = MemoryKeyRing.GenerateKey());
        await wrong.Engine.InitializeAsync(Ct);

        var verify = await Assert.ThrowsAsync<MemoryEncryptionException>(() => MemoryEncryption.VerifyKeysAsync(wrong.Engine, cancellationToken: Ct));
        var recall = await Assert.ThrowsAsync<MemoryEncryptionException>(() => wrong.Engine.RecallAsync(new RecallQuery { Namespace = Ns, Text = "anything" }, Ct));

        Assert.Contains("was encrypted with key", verify.Message, StringComparison.Ordinal);
        Assert.Contains("the configured keys", recall.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, verify.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotation_BesideABusyEngine_LosesNothing_AndLeavesVersionsAndTheChangeFeedAlone()
    {
        using var files = new SqliteTestFiles();
        var db = files.PathOf("memory.db");
        var refresh = TimeSpan.FromMilliseconds(50);
        var written = new ConcurrentDictionary<string, (string Content, long Version)>();
        string firstKey;
        long sequenceBeforeRotation;
        ReencryptionResult firstPass;
        IReadOnlyList<string> retired;
        string newKey;

        await using (var server = SqliteEngine.Open(db, o => o.KeyRingRefreshInterval = refresh))
        {
            for (int i = 0; i < 300; i++)
            {
                var m = await server.Engine.RememberAsync(new NewMemory { Namespace = Ns + (i % 3), Content = $"memory {i} {Secret}" }, Ct);
                written[m.Id] = (m.Content, m.Version);
            }

            firstKey = MemoryKeyRing.OpenFile(files.PathOf("memory.keys.json"), create: false).PrimaryKeyId;
            sequenceBeforeRotation = server.Engine.LastSequence;
            using var stop = new CancellationTokenSource();
            int operations = 0;
            var writer = Task.Run(async () =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    var m = await server.Engine.RememberAsync(new NewMemory { Namespace = Ns + (n % 3), Content = $"during rotation {n++}" }, Ct);
                    written[m.Id] = (m.Content, m.Version);
                    Interlocked.Increment(ref operations);
                    var target = written.Keys.ElementAt(Random.Shared.Next(written.Count));
                    var updated = await server.Engine.UpdateAsync(target, new MemoryUpdate { Content = $"updated {n} {Secret}" }, cancellationToken: Ct);
                    written[updated.Id] = (updated.Content, updated.Version);
                    Interlocked.Increment(ref operations);
                }
            }, Ct);
            var reader = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await server.Engine.RecallAsync(new RecallQuery { Namespace = Ns + "1", Text = Secret, Limit = 5, TrackAccess = true }, Ct);
                    await server.Engine.FlushAsync(Ct);
                }
            }, Ct);

            // The rotation, as the verb does it, in "another process": its own store connections and key ring.
            using (var rotator = new SqliteVectorStore(db))
            {
                var ring = MemoryKeyRing.OpenFile(files.PathOf("memory.keys.json"), create: false);
                newKey = ring.AddKey();
                await Task.Delay(refresh * 4, Ct);
                firstPass = await MemoryEncryption.ReencryptAsync(rotator, null, ring, batchSize: 32, Ct);
                await Task.Delay(refresh * 4, Ct);
                var check = await MemoryEncryption.ReencryptAsync(rotator, null, ring, batchSize: 32, Ct);
                Assert.Equal(0, check.Total);
                retired = ring.RetireOldKeys();
            }

            await Task.Delay(refresh * 4, Ct);
            await stop.CancelAsync();
            await Task.WhenAll(writer, reader);
            Assert.True(operations > 0);

            // The re-encryption wrote no change-feed entries: every entry is one of the engine's own writes.
            var changes = await ChangesAsync(server.Engine);
            Assert.Equal(server.Engine.LastSequence, changes.Count);
            Assert.Equal(sequenceBeforeRotation + operations, server.Engine.LastSequence);
        }

        Assert.True(firstPass.Memories > 0);
        Assert.Equal(0, firstPass.Plaintext);
        Assert.Equal([firstKey], retired);
        await using var reopened = SqliteEngine.Open(db);
        foreach (var (id, (content, version)) in written)
        {
            var read = await reopened.Engine.GetRequiredAsync(id, Ct);
            Assert.Equal(content, read.Content);
            Assert.Equal(version, read.Version);
        }

        var status = await MemoryEncryption.GetStatusAsync(reopened.Engine.Store, null, MemoryKeyRing.OpenFile(files.PathOf("memory.keys.json"), create: false), Ct);
        Assert.Equal([newKey], status.Memories.Keys);
        Assert.Equal(written.Count, status.Memories[newKey]);
        Assert.Empty(DataFolderScan.FilesContaining(files.Directory, Secret));
    }

    /// <summary>Stores the secret in every field that is persisted, through every memory type, then closes the store.</summary>
    private static async Task StoreEverythingAsync(SqliteTestFiles files, bool on, LogSink logs)
    {
        var db = files.PathOf("memory.db");
        await using var s = SqliteEngine.Open(db, o => o.Enabled = on, logs);
        var engine = s.Engine;
        var episodic = await engine.RememberAsync(new NewMemory
        {
            Namespace = Ns,
            Content = $"The vault code is {Secret}",
            Tags = [Secret, "vault"],
            Metadata = new Dictionary<string, string> { ["note"] = Secret, [Secret] = "as a key" },
            SessionId = "session-" + Secret,
        }, Ct);
        await engine.UpdateAsync(episodic.Id, new MemoryUpdate { Content = $"The vault code is still {Secret}" }, cancellationToken: Ct);
        var semantic = new SemanticMemory(engine);
        await semantic.AddFactAsync(new NewFact { Namespace = Ns, Subject = "Agent " + Secret, Predicate = "knows " + Secret, Object = "the object " + Secret }, Ct);
        await semantic.UpsertEntitiesAsync(Ns, [new NewEntity("Entity " + Secret, "person", ["observed " + Secret]), new NewEntity("Plain entity")], cancellationToken: Ct);
        await semantic.RelateAsync(Ns, "Entity " + Secret, "trusts", "Plain entity", cancellationToken: Ct);
        var procedural = new ProceduralMemory(engine);
        await procedural.RecordAsync(Ns, "procedure " + Secret, "how to " + Secret, ["first " + Secret, "second " + Secret], [Secret], cancellationToken: Ct);
        var other = await engine.RememberAsync(new NewMemory { Namespace = Ns, Content = "unrelated" }, Ct);
        await engine.LinkAsync(new NewLink { FromId = episodic.Id, ToId = other.Id, Type = LinkType }, Ct);
        var hits = await engine.RecallAsync(new RecallQuery { Namespace = Ns, Text = Secret + " vault", Limit = 5, TrackAccess = true }, Ct);
        Assert.NotEmpty(hits);
        await engine.FlushAsync(Ct);
    }

    private static async Task<List<ChangeEvent>> ChangesAsync(MemoryEngine engine)
    {
        var all = new List<ChangeEvent>();
        long since = 0;
        while (true)
        {
            var page = await engine.GetChangesAsync(null, since, 1000, Ct);
            all.AddRange(page.Changes);
            since = page.NextSince;
            if (!page.HasMore)
            {
                return all;
            }
        }
    }

    /// <summary>An engine over its own SQLite store (both disposed together, so the files are closed).</summary>
    private sealed class SqliteEngine : IAsyncDisposable
    {
        private readonly SqliteVectorStore _store;

        private SqliteEngine(SqliteVectorStore store, MemoryEngine engine)
        {
            _store = store;
            Engine = engine;
        }

        public MemoryEngine Engine { get; }

        public static SqliteEngine Open(string db, Action<EncryptionOptions>? configure = null, LogSink? logs = null)
        {
            var store = new SqliteVectorStore(db);
            var options = new KernelMemoryPlusOptions();
            configure?.Invoke(options.Encryption);
            return new SqliteEngine(store, new MemoryEngine(store, new OfflineEmbeddingGenerator(), Options.Create(options), logger: logs));
        }

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await _store.DisposeAsync();
        }
    }

    /// <summary>Keeps every log message, at every level (memory contents are logged at Trace).</summary>
    internal sealed class LogSink : ILogger<MemoryEngine>
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Messages.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " " + exception));
    }
}
