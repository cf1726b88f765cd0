using System.Text.Json;
using KernelMemoryPlus.Encryption;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>
/// Converts between the public <see cref="MemoryRecord"/> and its storage shape. With encryption at rest on, the
/// sensitive fields of a memory (content, tags, metadata, session, subject / predicate / object, procedure name and
/// steps) travel sealed in one envelope in the <see cref="StoredMemory.MetadataJson"/> column, the other text columns
/// of those fields stay empty; a link's type is sealed in its own column. Plaintext rows (older stores, encryption
/// off) are recognised and read as they are.
/// </summary>
/// <remarks>
/// The engine holds one instance (<c>MemoryEngine.RecordMapper</c>); its call sites read like the static class this
/// used to be. Nothing the store is queried by (ids, namespaces) is sealed: the engine reads the store by namespace and
/// by id only and answers everything else from its hot index.
/// </remarks>
internal sealed class RecordMapper
{
    /// <summary>A mapper that neither seals nor opens (stores without encryption; tests).</summary>
    public static readonly RecordMapper Plain = new(null, sealWrites: false);

    private static readonly Dictionary<string, string> s_emptyMetadata = [];
    private readonly RecordSealer? _sealer;
    private readonly RecordSealer? _writer;

    /// <summary>Creates a mapper.</summary>
    /// <param name="keyRing">The keys sealed values are opened with; null when there are none.</param>
    /// <param name="sealWrites">Whether written records are sealed (needs <paramref name="keyRing"/>).</param>
    public RecordMapper(MemoryKeyRing? keyRing, bool sealWrites)
    {
        _sealer = keyRing is null ? null : new RecordSealer(keyRing);
        _writer = sealWrites ? _sealer ?? throw new ArgumentException("Sealing writes needs a key ring.", nameof(keyRing)) : null;
    }

    /// <summary>The keys in use, or null.</summary>
    public MemoryKeyRing? KeyRing => _sealer?.Ring;

    /// <summary>True when written records are sealed.</summary>
    public bool SealsWrites => _writer is not null;

    /// <summary>
    /// The mapper of an engine: resolves the keys from <see cref="KernelMemoryPlusOptions.Encryption"/> and the store
    /// (see <see cref="EncryptionOptions"/>), generating a key file beside a SQLite database when none is configured,
    /// and logs where the keys are (never the keys).
    /// </summary>
    public static RecordMapper ForEngine(KernelMemoryPlusOptions options, VectorStore store, ILogger logger) =>
        EncryptionSetup.CreateMapper(options.Encryption, store, logger);

    public StoredMemory ToStored(MemoryRecord r, ReadOnlyMemory<float>? embedding)
    {
        var stored = new StoredMemory
        {
            Id = r.Id,
            Namespace = r.Namespace,
            Kind = r.Kind.ToString(),
            Importance = r.Importance,
            CreatedAt = r.CreatedAt.ToUnixTimeMilliseconds(),
            UpdatedAt = r.UpdatedAt.ToUnixTimeMilliseconds(),
            OccurredAt = r.OccurredAt.ToUnixTimeMilliseconds(),
            ValidFrom = r.ValidFrom?.ToUnixTimeMilliseconds(),
            ValidTo = r.ValidTo?.ToUnixTimeMilliseconds(),
            AccessCount = r.AccessCount,
            LastAccessedAt = r.LastAccessedAt?.ToUnixTimeMilliseconds(),
            Version = r.Version,
            Author = r.Author,
            EmbeddingModel = r.EmbeddingModel,
            SuccessCount = r.SuccessCount,
            FailureCount = r.FailureCount,
            Supersedes = r.Supersedes,
            SupersededBy = r.SupersededBy,
            Pinned = r.Pinned,
            Private = r.Private,
            Embedding = embedding,
        };

        // The sensitive fields: sealed together in one envelope (the other columns keep their empty defaults), or
        // in their own columns when encryption is off.
        if (_writer is { } writer)
        {
            stored.MetadataJson = SealedFields.SealMemory(writer, r);
            return stored;
        }

        stored.Content = r.Content;
        stored.Tags = [.. r.Tags];
        stored.MetadataJson = r.Metadata.Count == 0 ? null : JsonSerializer.Serialize(r.Metadata, EngineJson.Default.IReadOnlyDictionaryStringString);
        stored.SessionId = r.SessionId;
        stored.Subject = r.Subject;
        stored.Predicate = r.Predicate;
        stored.Object = r.Object;
        stored.ProcedureName = r.ProcedureName;
        stored.StepsJson = r.Steps.Count == 0 ? null : JsonSerializer.Serialize(r.Steps, EngineJson.Default.IReadOnlyListString);
        return stored;
    }

    /// <exception cref="MemoryEncryptionException">A sealed row cannot be opened (unknown key, tampered data, no keys).</exception>
    public MemoryRecord ToRecord(StoredMemory s)
    {
        if (RecordSealer.IsSealed(s.MetadataJson))
        {
            var f = SealedFields.OpenMemory(Opener(s.Id, s.Namespace), s.Id, s.Namespace, s.MetadataJson!);
            return Build(s, f.Content, f.Tags, f.Metadata, f.SessionId, f.Subject, f.Predicate, f.Object, f.ProcedureName, f.Steps);
        }

        return Build(
            s,
            s.Content,
            s.Tags is { Count: > 0 } ? [.. s.Tags] : [],
            string.IsNullOrEmpty(s.MetadataJson)
                ? s_emptyMetadata
                : JsonSerializer.Deserialize(s.MetadataJson, EngineJson.Default.DictionaryStringString) ?? s_emptyMetadata,
            s.SessionId,
            s.Subject,
            s.Predicate,
            s.Object,
            s.ProcedureName,
            string.IsNullOrEmpty(s.StepsJson) ? [] : JsonSerializer.Deserialize(s.StepsJson, EngineJson.Default.ListString) ?? []);
    }

    private static MemoryRecord Build(
        StoredMemory s,
        string content,
        IReadOnlyList<string> tags,
        IReadOnlyDictionary<string, string> metadata,
        string? sessionId,
        string? subject,
        string? predicate,
        string? @object,
        string? procedureName,
        IReadOnlyList<string> steps) => new()
    {
        Id = s.Id,
        Namespace = s.Namespace,
        Kind = Enum.TryParse<MemoryKind>(s.Kind, out var kind) ? kind : MemoryKind.Episodic,
        Content = content,
        Tags = tags,
        Metadata = metadata,
        Importance = s.Importance,
        CreatedAt = FromMs(s.CreatedAt),
        UpdatedAt = FromMs(s.UpdatedAt),
        OccurredAt = FromMs(s.OccurredAt),
        ValidFrom = s.ValidFrom is long vf ? FromMs(vf) : null,
        ValidTo = s.ValidTo is long vt ? FromMs(vt) : null,
        AccessCount = s.AccessCount,
        LastAccessedAt = s.LastAccessedAt is long la ? FromMs(la) : null,
        Version = s.Version,
        Author = s.Author,
        EmbeddingModel = s.EmbeddingModel,
        SessionId = sessionId,
        Subject = subject,
        Predicate = predicate,
        Object = @object,
        ProcedureName = procedureName,
        Steps = steps,
        SuccessCount = s.SuccessCount,
        FailureCount = s.FailureCount,
        Supersedes = s.Supersedes,
        SupersededBy = s.SupersededBy,
        Pinned = s.Pinned,
        Private = s.Private,
    };

    public StoredLink ToStored(MemoryLink l) => new()
    {
        Id = l.Id,
        Namespace = l.Namespace,
        ToNamespace = l.ToNamespace,
        FromId = l.FromId,
        ToId = l.ToId,
        Type = _writer is { } writer ? SealedFields.SealLink(writer, l) : l.Type,
        Weight = l.Weight,
        Bidirectional = l.Bidirectional,
        CreatedAt = l.CreatedAt.ToUnixTimeMilliseconds(),
        LastUsedAt = l.LastUsedAt.ToUnixTimeMilliseconds(),
        UseCount = l.UseCount,
        Author = l.Author,
    };

    /// <exception cref="MemoryEncryptionException">A sealed type cannot be opened (unknown key, tampered data, no keys).</exception>
    public MemoryLink ToLink(StoredLink s) => new()
    {
        Id = s.Id,
        Namespace = s.Namespace,
        ToNamespace = s.ToNamespace,
        FromId = s.FromId,
        ToId = s.ToId,
        Type = RecordSealer.IsSealed(s.Type) ? SealedFields.OpenLink(Opener(s.Id, s.Namespace), s.Id, s.Namespace, s.Type) : s.Type,
        Weight = s.Weight,
        EffectiveWeight = s.Weight,
        Bidirectional = s.Bidirectional,
        CreatedAt = FromMs(s.CreatedAt),
        LastUsedAt = FromMs(s.LastUsedAt),
        UseCount = s.UseCount,
        Author = s.Author,
    };

    public static ChangeEvent ToChange(StoredChange s) => new(
        s.Seq,
        s.Namespace,
        Enum.TryParse<ChangeOperation>(s.Operation, out var op) ? op : ChangeOperation.Updated,
        s.EntityId,
        s.Version,
        FromMs(s.At),
        s.Author)
    {
        Private = s.Private,
    };

    public static StoredChange ToStored(ChangeEvent c) => new()
    {
        Seq = c.Sequence,
        Namespace = c.Namespace,
        Operation = c.Operation.ToString(),
        EntityId = c.EntityId,
        Version = c.Version,
        At = c.At.ToUnixTimeMilliseconds(),
        Author = c.Author,
        Private = c.Private,
    };

    /// <summary>Truncates to the millisecond precision the store keeps, so in-memory and reloaded records compare equal.</summary>
    public static DateTimeOffset Truncate(DateTimeOffset t) => FromMs(t.ToUnixTimeMilliseconds());

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private RecordSealer Opener(string id, string ns) => _sealer ?? throw new MemoryEncryptionException(
        $"The store holds encrypted data ('{id}' in namespace '{ns}') but no encryption key is configured. Configure the key (Encryption:Key) or the key file (Encryption:KeyFile) it was written with.")
    {
        RecordId = id,
    };
}
