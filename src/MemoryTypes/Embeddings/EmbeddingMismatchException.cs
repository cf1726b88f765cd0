namespace KernelMemoryPlus.Embeddings;

/// <summary>
/// Vectors of one embedding model met vectors or a store of another model or dimension. Comparing them would give
/// meaningless similarities (or crash a vector index), so this is raised instead, with a message that says what to do.
/// </summary>
public sealed class EmbeddingMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception with only a message (for mismatches found outside the helpers below).</summary>
    /// <param name="message">The explanation, naming both models and what to do.</param>
    public EmbeddingMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with only a message and its cause.</summary>
    /// <param name="message">The explanation, naming both models and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public EmbeddingMismatchException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with the models involved.</summary>
    /// <param name="message">The explanation, naming both models and what to do.</param>
    /// <param name="expected">The model the store or index holds.</param>
    /// <param name="actualModelId">The other model's id, when known.</param>
    /// <param name="actualDimensions">The other vector length.</param>
    /// <param name="storeDescription">The store involved, when there is one.</param>
    public EmbeddingMismatchException(string message, EmbeddingModelInfo expected, string? actualModelId, int actualDimensions, string? storeDescription)
        : base(message)
    {
        ArgumentNullException.ThrowIfNull(expected);
        Expected = expected;
        ActualModelId = actualModelId;
        ActualDimensions = actualDimensions;
        StoreDescription = storeDescription;
    }

    /// <summary>The model whose vectors are already stored (or that an index expects), when known.</summary>
    public EmbeddingModelInfo? Expected { get; }

    /// <summary>The id of the model that does not match, when known.</summary>
    public string? ActualModelId { get; }

    /// <summary>The vector length that does not match (or equals, when only the model id differs); 0 when unknown.</summary>
    public int ActualDimensions { get; }

    /// <summary>The store that holds the <see cref="Expected"/> vectors, when there is one.</summary>
    public string? StoreDescription { get; }

    /// <summary>
    /// Throws unless the configured model can read and extend the store: same dimensions and same model id
    /// (see <see cref="EmbeddingModelInfo.IsCompatibleWith"/>). A different model with equal dimensions is rejected
    /// too: its vectors would fit but mean something else, the silent failure this check exists to prevent.
    /// </summary>
    /// <param name="stored">The model recorded in the store.</param>
    /// <param name="configured">The model the application is configured with now.</param>
    /// <param name="storeDescription">How the user knows the store, e.g. its data folder or connection name.</param>
    /// <exception cref="EmbeddingMismatchException">The models differ.</exception>
    public static void EnsureCompatible(EmbeddingModelInfo stored, EmbeddingModelInfo configured, string storeDescription)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(configured);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeDescription);
        if (stored.IsCompatibleWith(configured))
        {
            return;
        }

        string difference = stored.Dimensions != configured.Dimensions
            ? FormattableString.Invariant($"Their vectors have different sizes ({stored.Dimensions} vs {configured.Dimensions} dimensions), so they cannot be compared at all.")
            : "Both have the same size, but vectors of different models mean different things, so search would silently return wrong results.";

        string message = FormattableString.Invariant(
            $"Embedding model mismatch in {storeDescription}: its memories were embedded with model '{stored.ModelId}' ({stored.Dimensions} dimensions), ")
            + FormattableString.Invariant($"but the configured embedding model is '{configured.ModelId}' ({configured.Dimensions} dimensions). ")
            + difference
            + FormattableString.Invariant($" To fix it, either configure the original model again ('{stored.ModelId}', {stored.Dimensions} dimensions), ")
            + FormattableString.Invariant($"or re-embed the existing memories with '{configured.ModelId}' using the reindex command, ")
            + "or point the application at a new, empty data folder.";

        throw new EmbeddingMismatchException(message, stored, configured.ModelId, configured.Dimensions, storeDescription);
    }

    /// <summary>Throws unless <paramref name="vector"/> has the length the <paramref name="expected"/> model produces.</summary>
    /// <param name="vector">A vector about to be stored or searched with.</param>
    /// <param name="expected">The model the store or index holds.</param>
    /// <exception cref="EmbeddingMismatchException">The lengths differ.</exception>
    public static void EnsureDimensions(ReadOnlyMemory<float> vector, EmbeddingModelInfo expected)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (vector.Length == expected.Dimensions)
        {
            return;
        }

        throw new EmbeddingMismatchException(
            FormattableString.Invariant(
                $"Embedding dimension mismatch: a vector has {vector.Length} dimensions, but model '{expected.ModelId}' produces {expected.Dimensions}. ")
            + FormattableString.Invariant(
                $"The vector was made by another model (or a model configured with other dimensions); embed it with '{expected.ModelId}', or re-embed the store with the new model using the reindex command."),
            expected,
            actualModelId: null,
            vector.Length,
            storeDescription: null);
    }
}
