using System.Globalization;
using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Storage;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Encryption;

/// <summary>
/// Maintenance of encryption at rest on a store: which keys its rows are sealed with, a start-up check that the keys
/// open them, and re-encryption under the primary key (the work of <c>encryption rotate</c>).
/// </summary>
/// <remarks>
/// Re-encryption works beside running engines, in other processes too: it writes in small transactions (a running
/// server's writes wait a few milliseconds at most), rewrites only the sealed form of each row (the same version,
/// no change-feed entry, nothing a running engine's hot index notices), and re-reads each row inside its transaction,
/// so a write committed meanwhile is never overwritten with older data. Rows deleted meanwhile are skipped.
/// </remarks>
public static class MemoryEncryption
{
    /// <summary>The meta key of the vector dimensions (as the engine writes it).</summary>
    private const string DimensionsKey = "embedding.dimensions";

    /// <summary>
    /// The key ring of an engine's settings and store (see <see cref="EncryptionOptions"/>), or null when there are no
    /// keys. The default key file beside a SQLite database is created only when <paramref name="create"/> is true.
    /// </summary>
    /// <param name="options">The encryption settings.</param>
    /// <param name="store">The store.</param>
    /// <param name="create">Whether a missing key file is created.</param>
    /// <exception cref="MemoryEncryptionException">The key file is unreadable or invalid.</exception>
    public static MemoryKeyRing? OpenKeyRing(EncryptionOptions options, VectorStore store, bool create)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        return EncryptionSetup.ResolveKeyRing(options, store, create);
    }

    /// <summary>
    /// Opens a sample of the engine's stored rows (the first few of each namespace) with its keys, so that a wrong or
    /// incomplete key ring stops start-up with a clear message instead of failing requests later.
    /// </summary>
    /// <param name="engine">The engine (initialized).</param>
    /// <param name="perNamespace">Rows read per namespace (memories and links each).</param>
    /// <param name="maxNamespaces">Namespaces looked at.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>What the sample held.</returns>
    /// <exception cref="MemoryEncryptionException">A sampled row cannot be opened (unknown key, failed authentication, no keys).</exception>
    public static async Task<EncryptionSample> VerifyKeysAsync(MemoryEngine engine, int perNamespace = 4, int maxNamespaces = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var collections = await OpenCollectionsAsync(engine.Store, engine.Options, cancellationToken);
        if (collections is null)
        {
            return new EncryptionSample(0, 0);
        }

        var ring = OpenKeyRing(engine.Options.Encryption, engine.Store, create: false);
        var mapper = new RecordMapper(ring, sealWrites: false);
        int sealedRows = 0, plaintextRows = 0;
        foreach (var ns in collections.Namespaces.Take(maxNamespaces))
        {
            await foreach (var row in collections.Memories.GetAsync(m => m.Namespace == ns, perNamespace, cancellationToken: cancellationToken))
            {
                _ = mapper.ToRecord(row);
                if (RecordSealer.IsSealed(row.MetadataJson))
                {
                    sealedRows++;
                }
                else
                {
                    plaintextRows++;
                }
            }

            if (collections.Links is { } links)
            {
                await foreach (var row in links.GetAsync(l => l.Namespace == ns, perNamespace, cancellationToken: cancellationToken))
                {
                    _ = mapper.ToLink(row);
                    if (RecordSealer.IsSealed(row.Type))
                    {
                        sealedRows++;
                    }
                    else
                    {
                        plaintextRows++;
                    }
                }
            }
        }

        return new EncryptionSample(sealedRows, plaintextRows);
    }

    /// <summary>Counts the stored memories and links per key they are sealed with, and those in plaintext. Reads every row (not the vectors).</summary>
    /// <param name="store">The store.</param>
    /// <param name="options">The engine settings (collection name); null for the defaults.</param>
    /// <param name="keyRing">The keys, to mark ids it does not hold; null when there are none.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<EncryptionStatus> GetStatusAsync(VectorStore store, KernelMemoryPlusOptions? options, MemoryKeyRing? keyRing, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        options ??= new KernelMemoryPlusOptions();
        var memoryCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        var linkCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        int namespaces = 0;
        var collections = await OpenCollectionsAsync(store, options, cancellationToken);
        if (collections is not null)
        {
            namespaces = collections.Namespaces.Count;
            foreach (var ns in collections.Namespaces)
            {
                await foreach (var row in collections.Memories.GetAsync(m => m.Namespace == ns, int.MaxValue, cancellationToken: cancellationToken))
                {
                    Count(memoryCounts, row.MetadataJson);
                }

                if (collections.Links is { } links)
                {
                    await foreach (var row in links.GetAsync(l => l.Namespace == ns, int.MaxValue, cancellationToken: cancellationToken))
                    {
                        Count(linkCounts, row.Type);
                    }
                }
            }
        }

        var known = keyRing?.Keys.Select(k => k.Id).ToHashSet(StringComparer.Ordinal) ?? [];
        var unknown = memoryCounts.Keys.Concat(linkCounts.Keys)
            .Where(k => k != EncryptionStatus.Plaintext && !known.Contains(k))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return new EncryptionStatus(namespaces, memoryCounts, linkCounts, unknown);

        static void Count(Dictionary<string, int> counts, string? text)
        {
            var key = RecordSealer.IsSealed(text)
                ? RecordSealer.KeyIdOf(text) is uint id ? MemoryKeyRing.FormatId(id) : "damaged"
                : EncryptionStatus.Plaintext;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
    }

    /// <summary>
    /// One pass of re-encryption: every memory and link that is in plaintext or sealed with another key than the
    /// ring's primary key is sealed again under the primary key, in transactions of <paramref name="batchSize"/> rows.
    /// Versions, times and the change feed are left as they are.
    /// </summary>
    /// <param name="store">The store (a running server may use it at the same time).</param>
    /// <param name="options">The engine settings (collection name); null for the defaults.</param>
    /// <param name="keyRing">The keys: old rows are opened with any of them and sealed with the primary one.</param>
    /// <param name="batchSize">Rows per transaction.</param>
    /// <param name="cancellationToken">Cancellation token; rows already done stay done.</param>
    /// <returns>How many rows were sealed again, and how many of them were in plaintext.</returns>
    /// <exception cref="MemoryEncryptionException">A row is sealed with a key the ring does not hold, or fails authentication.</exception>
    public static async Task<ReencryptionResult> ReencryptAsync(VectorStore store, KernelMemoryPlusOptions? options, MemoryKeyRing keyRing, int batchSize = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(keyRing);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        options ??= new KernelMemoryPlusOptions();
        var collections = await OpenCollectionsAsync(store, options, cancellationToken);
        if (collections is null)
        {
            return new ReencryptionResult(0, 0, 0, 0);
        }

        var mapper = new RecordMapper(keyRing, sealWrites: true);
        int memories = 0, links = 0, plaintextMemories = 0, plaintextLinks = 0;
        foreach (var ns in collections.Namespaces)
        {
            uint primary = keyRing.Primary.Id;
            var ids = new List<string>();
            await foreach (var row in collections.Memories.GetAsync(m => m.Namespace == ns, int.MaxValue, cancellationToken: cancellationToken))
            {
                if (NeedsWork(row.MetadataJson, primary))
                {
                    ids.Add(row.Id);
                }
            }

            foreach (var chunk in ids.Chunk(batchSize))
            {
                var (done, plaintext) = await InTransactionAsync(store, async () =>
                {
                    var rows = await ToListAsync(collections.Memories.GetAsync(chunk, new RecordRetrievalOptions { IncludeVectors = true }, cancellationToken));
                    var writes = new List<StoredMemory>(rows.Count);
                    int plain = 0;
                    foreach (var row in rows)
                    {
                        // Read again inside the transaction: a server may have rewritten it (under the new key) meanwhile.
                        if (NeedsWork(row.MetadataJson, primary))
                        {
                            plain += RecordSealer.IsSealed(row.MetadataJson) ? 0 : 1;
                            writes.Add(mapper.ToStored(mapper.ToRecord(row), row.Embedding));
                        }
                    }

                    if (writes.Count > 0)
                    {
                        await collections.Memories.UpsertAsync(writes, cancellationToken);
                    }

                    return (writes.Count, plain);
                }, cancellationToken);
                memories += done;
                plaintextMemories += plaintext;
            }

            if (collections.Links is not { } linkCollection)
            {
                continue;
            }

            ids.Clear();
            await foreach (var row in linkCollection.GetAsync(l => l.Namespace == ns, int.MaxValue, cancellationToken: cancellationToken))
            {
                if (NeedsWork(row.Type, primary))
                {
                    ids.Add(row.Id);
                }
            }

            foreach (var chunk in ids.Chunk(batchSize))
            {
                var (done, plaintext) = await InTransactionAsync(store, async () =>
                {
                    var rows = await ToListAsync(linkCollection.GetAsync(chunk, cancellationToken: cancellationToken));
                    var writes = new List<StoredLink>(rows.Count);
                    int plain = 0;
                    foreach (var row in rows)
                    {
                        if (NeedsWork(row.Type, primary))
                        {
                            plain += RecordSealer.IsSealed(row.Type) ? 0 : 1;
                            writes.Add(mapper.ToStored(mapper.ToLink(row)));
                        }
                    }

                    if (writes.Count > 0)
                    {
                        await linkCollection.UpsertAsync(writes, cancellationToken);
                    }

                    return (writes.Count, plain);
                }, cancellationToken);
                links += done;
                plaintextLinks += plaintext;
            }
        }

        return new ReencryptionResult(memories, links, plaintextMemories, plaintextLinks);
    }

    private static bool NeedsWork(string? text, uint primary) =>
        !RecordSealer.IsSealed(text) || RecordSealer.KeyIdOf(text) != primary;

    private static async Task<T> InTransactionAsync<T>(VectorStore store, Func<Task<T>> work, CancellationToken cancellationToken)
    {
        if (store is not ITransactionalVectorStore transactional)
        {
            return await work();
        }

        var transaction = await transactional.BeginTransactionAsync(cancellationToken);
        await using (transaction)
        {
            var result = await work();
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
    }

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>The engine's collections of a store, or null when the engine never wrote to it.</summary>
    private static async Task<Collections?> OpenCollectionsAsync(VectorStore store, KernelMemoryPlusOptions options, CancellationToken cancellationToken)
    {
        var meta = store.GetCollection<string, StoredMeta>(MemoryEngine.MetaCollection);
        if (!await meta.CollectionExistsAsync(cancellationToken)
            || await meta.GetAsync(DimensionsKey, cancellationToken: cancellationToken) is not { } dimensionsEntry
            || !int.TryParse(dimensionsEntry.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int dimensions))
        {
            return null;
        }

        var memories = store.GetCollection<string, StoredMemory>(options.MemoriesCollection, StoredMemory.Definition(dimensions));
        if (!await memories.CollectionExistsAsync(cancellationToken))
        {
            return null;
        }

        // As the engine does on start: a table of an older release gets the columns it lacks.
        await memories.EnsureCollectionExistsAsync(cancellationToken);
        var links = store.GetCollection<string, StoredLink>(MemoryEngine.LinksCollection);
        if (await links.CollectionExistsAsync(cancellationToken))
        {
            await links.EnsureCollectionExistsAsync(cancellationToken);
        }
        else
        {
            links = null;
        }

        var namespaces = new List<string>();
        await foreach (var entry in meta.GetAsync(m => m.Value == MemoryEngine.NamespaceMarker, int.MaxValue, cancellationToken: cancellationToken))
        {
            namespaces.Add(entry.Key[MemoryEngine.NamespacePrefix.Length..]);
        }

        namespaces.Sort(StringComparer.Ordinal);
        return new Collections(memories, links, namespaces);
    }

    private sealed record Collections(
        VectorStoreCollection<string, StoredMemory> Memories,
        VectorStoreCollection<string, StoredLink>? Links,
        List<string> Namespaces);
}

/// <summary>What <see cref="MemoryEncryption.VerifyKeysAsync"/> read.</summary>
/// <param name="SealedRows">Sampled rows that were sealed (and opened).</param>
/// <param name="PlaintextRows">Sampled rows in plaintext (written before encryption was on, or with it off).</param>
public sealed record EncryptionSample(int SealedRows, int PlaintextRows);

/// <summary>What a store holds, per key (<see cref="MemoryEncryption.GetStatusAsync"/>).</summary>
/// <param name="Namespaces">Namespaces read.</param>
/// <param name="Memories">Memories per key id; <see cref="Plaintext"/> for those not sealed.</param>
/// <param name="Links">Links per key id; <see cref="Plaintext"/> for those not sealed.</param>
/// <param name="UnknownKeyIds">Key ids rows are sealed with that the key ring does not hold (they cannot be read).</param>
public sealed record EncryptionStatus(
    int Namespaces,
    IReadOnlyDictionary<string, int> Memories,
    IReadOnlyDictionary<string, int> Links,
    IReadOnlyList<string> UnknownKeyIds)
{
    /// <summary>The key under which rows not sealed at all are counted.</summary>
    public const string Plaintext = "plaintext";
}

/// <summary>What one re-encryption pass did (<see cref="MemoryEncryption.ReencryptAsync"/>).</summary>
/// <param name="Memories">Memories sealed again under the primary key.</param>
/// <param name="Links">Links sealed again under the primary key.</param>
/// <param name="PlaintextMemories">Of <paramref name="Memories"/>, those that were in plaintext.</param>
/// <param name="PlaintextLinks">Of <paramref name="Links"/>, those that were in plaintext.</param>
public sealed record ReencryptionResult(int Memories, int Links, int PlaintextMemories, int PlaintextLinks)
{
    /// <summary>Rows written in all.</summary>
    public int Total => Memories + Links;

    /// <summary>Rows that were in plaintext.</summary>
    public int Plaintext => PlaintextMemories + PlaintextLinks;
}
