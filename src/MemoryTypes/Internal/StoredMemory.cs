using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Internal;

/// <summary>
/// The storage shape of a memory in a VectorData collection. Times are Unix milliseconds so any connector can
/// index and compare them; lists and maps are JSON text.
/// </summary>
internal sealed class StoredMemory
{
    public string Id { get; set; } = "";

    public string Namespace { get; set; } = "";

    public string Kind { get; set; } = "";

    public string Content { get; set; } = "";

    public List<string> Tags { get; set; } = [];

    public string? MetadataJson { get; set; }

    public double Importance { get; set; }

    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public long OccurredAt { get; set; }

    public long? ValidFrom { get; set; }

    public long? ValidTo { get; set; }

    public long AccessCount { get; set; }

    public long? LastAccessedAt { get; set; }

    public long Version { get; set; }

    public string? Author { get; set; }

    public string? EmbeddingModel { get; set; }

    public string? SessionId { get; set; }

    public string? Subject { get; set; }

    public string? Predicate { get; set; }

    public string? Object { get; set; }

    public string? ProcedureName { get; set; }

    public string? StepsJson { get; set; }

    public int SuccessCount { get; set; }

    public int FailureCount { get; set; }

    public string? Supersedes { get; set; }

    public string? SupersededBy { get; set; }

    public bool Pinned { get; set; }

    public bool Private { get; set; }

    public ReadOnlyMemory<float>? Embedding { get; set; }

    /// <summary>The collection definition, with the vector dimensions of the configured embedding model.</summary>
    /// <remarks>
    /// Only the namespace is indexed: the engine reads the store by namespace when it loads a namespace and by id,
    /// and answers every other query (keyword search included) from its hot index. Each extra index costs ingest
    /// speed, and a full-text index of the content would be a second, plaintext copy of every memory on disk (which
    /// encryption at rest must not have). Stores created before this had one; it is kept up to date there.
    /// </remarks>
    public static VectorStoreCollectionDefinition Definition(int dimensions) => new()
    {
        Properties =
        [
            new VectorStoreKeyProperty(nameof(Id), typeof(string)),
            new VectorStoreDataProperty(nameof(Namespace), typeof(string)) { IsIndexed = true },
            new VectorStoreDataProperty(nameof(Kind), typeof(string)),
            new VectorStoreDataProperty(nameof(Content), typeof(string)),
            new VectorStoreDataProperty(nameof(Tags), typeof(List<string>)),
            new VectorStoreDataProperty(nameof(MetadataJson), typeof(string)),
            new VectorStoreDataProperty(nameof(Importance), typeof(double)),
            new VectorStoreDataProperty(nameof(CreatedAt), typeof(long)),
            new VectorStoreDataProperty(nameof(UpdatedAt), typeof(long)),
            new VectorStoreDataProperty(nameof(OccurredAt), typeof(long)),
            new VectorStoreDataProperty(nameof(ValidFrom), typeof(long?)),
            new VectorStoreDataProperty(nameof(ValidTo), typeof(long?)),
            new VectorStoreDataProperty(nameof(AccessCount), typeof(long)),
            new VectorStoreDataProperty(nameof(LastAccessedAt), typeof(long?)),
            new VectorStoreDataProperty(nameof(Version), typeof(long)),
            new VectorStoreDataProperty(nameof(Author), typeof(string)),
            new VectorStoreDataProperty(nameof(EmbeddingModel), typeof(string)),
            new VectorStoreDataProperty(nameof(SessionId), typeof(string)),
            new VectorStoreDataProperty(nameof(Subject), typeof(string)),
            new VectorStoreDataProperty(nameof(Predicate), typeof(string)),
            new VectorStoreDataProperty(nameof(Object), typeof(string)),
            new VectorStoreDataProperty(nameof(ProcedureName), typeof(string)),
            new VectorStoreDataProperty(nameof(StepsJson), typeof(string)),
            new VectorStoreDataProperty(nameof(SuccessCount), typeof(int)),
            new VectorStoreDataProperty(nameof(FailureCount), typeof(int)),
            new VectorStoreDataProperty(nameof(Supersedes), typeof(string)),
            new VectorStoreDataProperty(nameof(SupersededBy), typeof(string)),
            new VectorStoreDataProperty(nameof(Pinned), typeof(bool)),
            new VectorStoreDataProperty(nameof(Private), typeof(bool)),
            new VectorStoreVectorProperty(nameof(Embedding), typeof(ReadOnlyMemory<float>?), dimensions)
            {
                DistanceFunction = DistanceFunction.CosineSimilarity,
                IndexKind = IndexKind.Flat,
            },
        ],
    };
}
