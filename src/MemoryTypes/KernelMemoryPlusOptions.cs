using KernelMemoryPlus.Encryption;

namespace KernelMemoryPlus;

/// <summary>Settings of the memory engine. Validated when the engine starts; a bad value names the setting to change.</summary>
public sealed class KernelMemoryPlusOptions
{
    /// <summary>Largest content accepted, in characters. Default 32,768.</summary>
    public int MaxContentLength { get; set; } = 32_768;

    /// <summary>Most tags on one memory. Default 32.</summary>
    public int MaxTags { get; set; } = 32;

    /// <summary>Most metadata entries on one memory. Default 64.</summary>
    public int MaxMetadataEntries { get; set; } = 64;

    /// <summary>Largest metadata value, in characters. Default 2,048.</summary>
    public int MaxMetadataValueLength { get; set; } = 2_048;

    /// <summary>Most memories in one batch write. Default 10,000.</summary>
    public int MaxBatchSize { get; set; } = 10_000;

    /// <summary>Most results one recall or list may ask for. Default 1,000.</summary>
    public int MaxResults { get; set; } = 1_000;

    /// <summary>The scoring weights recall uses unless a query overrides them.</summary>
    public RetrievalWeights Weights { get; set; } = RetrievalWeights.Default;

    /// <summary>How many candidates each retriever (dense, keyword, fuzzy) contributes per requested result. Default 8.</summary>
    public int CandidateMultiplier { get; set; } = 8;

    /// <summary>Time after which an unused link's weight has halved. Default 30 days.</summary>
    public TimeSpan LinkHalfLife { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How much a link strengthens each time its two memories are recalled together (towards 1). Default 0.1.</summary>
    public double LinkReinforcement { get; set; } = 0.1;

    /// <summary>How often access statistics gathered by recalls are written to the store. Default 5 seconds.</summary>
    public TimeSpan AccessFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Refuse calls made without a current <see cref="MemoryPrincipal"/> (the server sets this, so no door can reach
    /// the engine without an authenticated caller). Default false: an application embedding the engine is trusted.
    /// </summary>
    public bool RequirePrincipal { get; set; }

    /// <summary>Name of the store collection holding memories. Default "kmp_memories".</summary>
    public string MemoriesCollection { get; set; } = "kmp_memories";

    /// <summary>
    /// Folder where the approximate vector index (HNSW graph) of large namespaces is saved, so that a restart loads it
    /// and applies the changes made since instead of rebuilding it. Null or empty (the default): not saved; the graph
    /// is rebuilt in the background after each start. Put it beside the database (the server uses "index" in its data
    /// folder); the files hold quantized vectors and hashes, no memory content.
    /// </summary>
    public string? VectorIndexDirectory { get; set; }

    /// <summary>Vectors in a namespace from which the approximate index is used (tests lower it).</summary>
    internal int ApproximateIndexThreshold { get; set; } = Retrieval.FlatVectorIndex.DefaultApproximateThreshold;

    /// <summary>
    /// Encryption at rest: on by default; memory contents and metadata are sealed with AES-256-GCM under a key from
    /// <see cref="EncryptionOptions.Key"/>, <see cref="EncryptionOptions.KeyFile"/>, or a key file
    /// generated beside the SQLite database. See <see cref="EncryptionOptions"/>.
    /// </summary>
    public EncryptionOptions Encryption { get; set; } = new();

    internal void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw new InvalidOperationException($"KernelMemoryPlus setting '{name}' must be positive (got {value}).");
            }
        }

        Positive(MaxContentLength, nameof(MaxContentLength));
        Positive(MaxTags, nameof(MaxTags));
        Positive(MaxMetadataEntries, nameof(MaxMetadataEntries));
        Positive(MaxMetadataValueLength, nameof(MaxMetadataValueLength));
        Positive(MaxBatchSize, nameof(MaxBatchSize));
        Positive(MaxResults, nameof(MaxResults));
        Positive(CandidateMultiplier, nameof(CandidateMultiplier));
        if (LinkHalfLife <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{nameof(LinkHalfLife)}' must be positive.");
        }

        if (LinkReinforcement is < 0 or > 1)
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{nameof(LinkReinforcement)}' must be between 0 and 1.");
        }

        if (AccessFlushInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{nameof(AccessFlushInterval)}' must be positive.");
        }

        if (string.IsNullOrWhiteSpace(MemoriesCollection))
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{nameof(MemoriesCollection)}' must not be empty.");
        }

        if (Encryption is null)
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{nameof(Encryption)}' must not be null.");
        }

        Encryption.Validate();
        try
        {
            Weights.Validate(nameof(Weights));
        }
        catch (MemoryValidationException ex)
        {
            throw new InvalidOperationException($"KernelMemoryPlus setting '{ex.Field}': {ex.Message}", ex);
        }
    }
}
