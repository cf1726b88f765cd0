using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// One stored record. Immutable once built: an upsert replaces the whole row, so readers may keep a reference to a
/// row after leaving the store lock and read it without further synchronization.
/// </summary>
internal sealed class StoredRow
{
    private readonly Dictionary<string, object?> _values;
    private readonly Dictionary<string, float[]?> _vectors;
    private readonly Dictionary<string, TermStats> _terms;

    /// <param name="key">The normalized key.</param>
    /// <param name="values">Data values (and the key) by storage name, in stored form.</param>
    /// <param name="vectors">Every vector column of the writing record by storage name; null when it has no vector.</param>
    /// <param name="terms">Analyzed text of the full-text columns by storage name.</param>
    public StoredRow(object key, Dictionary<string, object?> values, Dictionary<string, float[]?> vectors, Dictionary<string, TermStats> terms)
    {
        Key = key;
        _values = values;
        _vectors = vectors;
        _terms = terms;
    }

    /// <summary>The normalized key.</summary>
    public object Key { get; }

    /// <summary>The stored value of a data property by storage name; null when unset.</summary>
    public object? GetValue(string storageName) => _values.GetValueOrDefault(storageName);

    /// <summary>The stored vector by storage name; null when the record has none.</summary>
    public float[]? GetVector(string storageName) => _vectors.GetValueOrDefault(storageName);

    /// <summary>
    /// This row written over <paramref name="existing"/>: columns this row does not have keep their stored values,
    /// as an upsert through a record type that leaves some stored columns out must.
    /// </summary>
    public StoredRow MergeOnto(StoredRow existing)
    {
        var values = new Dictionary<string, object?>(existing._values, StringComparer.OrdinalIgnoreCase);
        var terms = new Dictionary<string, TermStats>(existing._terms, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in _values)
        {
            values[name] = value;

            // Terms analyzed from the old value would be stale; this row's own terms (if any) replace them below.
            terms.Remove(name);
        }

        var vectors = new Dictionary<string, float[]?>(existing._vectors, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, vector) in _vectors)
        {
            vectors[name] = vector;
        }

        foreach (var (name, stats) in _terms)
        {
            terms[name] = stats;
        }

        return new StoredRow(Key, values, vectors, terms);
    }

    /// <summary>Term statistics of a full-text property, analyzed at upsert or on demand.</summary>
    public TermStats GetTerms(string storageName) =>
        _terms.TryGetValue(storageName, out var stats) ? stats : TermStats.Analyze(GetValue(storageName) as string);
}

/// <summary>Term frequencies and length of one analyzed text, the inputs BM25 needs.</summary>
internal sealed class TermStats
{
    private TermStats(Dictionary<string, int> frequencies, int length)
    {
        Frequencies = frequencies;
        Length = length;
    }

    public Dictionary<string, int> Frequencies { get; }

    public int Length { get; }

    public static TermStats Analyze(string? text)
    {
        var terms = TextAnalyzer.Default.Analyze(text);
        var frequencies = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var term in terms)
        {
            frequencies[term] = frequencies.GetValueOrDefault(term) + 1;
        }

        return new TermStats(frequencies, terms.Count);
    }
}
