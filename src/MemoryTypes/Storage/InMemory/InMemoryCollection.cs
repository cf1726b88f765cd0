using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using KernelMemoryPlus.Retrieval;
using KernelMemoryPlus.Storage.Internal;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>
/// A collection of an <see cref="InMemoryVectorStore"/>: records held in process memory, searched by brute force.
/// </summary>
/// <typeparam name="TKey">The key type: <see cref="string"/>, <see cref="Guid"/>, <see cref="int"/>, <see cref="long"/>, or <see cref="object"/> for dynamic records.</typeparam>
/// <typeparam name="TRecord">The record type: a POCO with VectorData attributes or a definition, or <c>Dictionary&lt;string, object?&gt;</c>.</typeparam>
/// <remarks>
/// <para>Handles with the same name on the same store share one collection. A handle's record type may leave stored
/// columns out (it reads and writes only its own, and its upserts keep the others); a record type with a column the
/// collection lacks, a column of another kind, or a vector of other dimensions is refused with a
/// <see cref="VectorStoreException"/> when the handle is created or used. Records are copied on the way in and on the
/// way out, so the store behaves like a database: changing an object after upserting it, or changing a returned
/// record, does not change what is stored.</para>
/// <para>On a collection that does not exist, reads return nothing (<c>GetAsync</c> gives null or no records, searches
/// give no results) and deletes do nothing, while upserts throw a <see cref="VectorStoreException"/> naming the
/// collection. Filters are validated when <c>GetAsync</c> or a search is called, not when it is enumerated.</para>
/// <para>Scores are in the natural unit of the vector property's distance function (higher is better for similarities,
/// lower for distances); results come best first. Hybrid search fuses the vector ranking with a BM25 ranking of the
/// full-text property by reciprocal rank fusion (k = 60), and reports the fused score.</para>
/// </remarks>
public sealed class InMemoryCollection<TKey, TRecord> : VectorStoreCollection<TKey, TRecord>, IKeywordHybridSearchable<TRecord>
    where TKey : notnull
    where TRecord : class
{
    private const int RrfK = 60;
    private const double Bm25K1 = 1.2;
    private const double Bm25B = 0.75;

    private readonly InMemoryDatabase _database;
    private readonly RecordModel _model;
    private readonly CollectionShape _shape;
    private readonly string _name;
    private readonly ConditionalWeakTable<Expression<Func<TRecord, bool>>, Func<TRecord, bool>> _compiledFilters = new();

    internal InMemoryCollection(InMemoryDatabase database, string name, RecordModel model)
    {
        var keyType = Nullable.GetUnderlyingType(model.Key.Type) ?? model.Key.Type;
        if (typeof(TKey) != typeof(object) && typeof(TKey) != keyType)
        {
            throw new NotSupportedException($"The collection '{name}' is opened with key type '{typeof(TKey).Name}', but the key property '{model.Key.Name}' of '{model.RecordType.Name}' is a '{keyType.Name}'.");
        }

        foreach (var vector in model.VectorProperties)
        {
            if (!VectorScoring.Supported.Contains(vector.DistanceFunction))
            {
                throw new NotSupportedException($"The vector property '{vector.Name}' uses the distance function '{vector.DistanceFunction}', which the in-memory store does not support; use one of: {string.Join(", ", VectorScoring.Supported)}.");
            }
        }

        _database = database;
        _name = name;
        _model = model;
        _shape = CollectionShape.From(model);
        database.CheckShape(name, _shape);
    }

    /// <inheritdoc />
    public override string Name => _name;

    /// <inheritdoc />
    public override Task<bool> CollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_database.Exists(_name));
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionExistsAsync(CancellationToken cancellationToken = default)
    {
        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.EnsureExists(scope, _name, _shape);
    }

    /// <inheritdoc />
    public override async Task EnsureCollectionDeletedAsync(CancellationToken cancellationToken = default)
    {
        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.EnsureDeleted(scope, _name);
    }

    /// <inheritdoc />
    public override Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        cancellationToken.ThrowIfCancellationRequested();
        var row = _database.GetRow(_name, _shape, NormalizeKey(key));
        return Task.FromResult(row is null ? null : Materialize(row, options?.IncludeVectors ?? false));
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var rows = _database.GetRows(_name, _shape, keys.Select(NormalizeKey).ToList());
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return Materialize(row, options?.IncludeVectors ?? false);
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The filter or an order-by selector is not of a supported shape (thrown by the call, before enumeration).</exception>
    public override IAsyncEnumerable<TRecord> GetAsync(
        Expression<Func<TRecord, bool>> filter,
        int top,
        FilteredRecordRetrievalOptions<TRecord>? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);

        // Validate now, so an unsupported filter fails at the call as it does on the SQLite store.
        var predicate = CompileFilter(filter);
        var orderBy = ResolveOrderBy(options?.OrderBy);
        return GetFilteredAsync(predicate, orderBy, top, options?.Skip ?? 0, options?.IncludeVectors ?? false, cancellationToken);
    }

    private async IAsyncEnumerable<TRecord> GetFilteredAsync(
        Func<TRecord, bool> predicate,
        List<(string StorageName, bool Ascending)> orderBy,
        int top,
        int skip,
        bool includeVectors,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var matches = new List<(StoredRow Row, TRecord Record)>();
        foreach (var row in _database.Snapshot(_name, _shape))
        {
            var record = Materialize(row, includeVectors: false);
            if (predicate(record))
            {
                matches.Add((row, record));
            }
        }

        IEnumerable<(StoredRow Row, TRecord Record)> ordered = matches;
        if (orderBy.Count > 0)
        {
            // LINQ's OrderBy is stable, so records equal on every key keep their insertion order.
            ordered = matches.OrderBy(m => m.Row, new RowComparer(orderBy));
        }

        foreach (var (row, record) in ordered.Skip(skip).Take(top))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (includeVectors)
            {
                SetVectors(record, row);
            }

            yield return record;
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(TKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        var normalized = NormalizeKey(key);
        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.Delete(scope, _name, _shape, [normalized]);
    }

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var normalized = keys.Select(NormalizeKey).ToList();
        if (normalized.Count == 0)
        {
            return;
        }

        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.Delete(scope, _name, _shape, normalized);
    }

    /// <inheritdoc />
    /// <exception cref="VectorStoreException">The collection does not exist.</exception>
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// The batch is applied atomically; embeddings for generator-backed vector properties are generated in one call per
    /// property. A record type that leaves some stored columns out keeps their stored values.
    /// </remarks>
    /// <exception cref="VectorStoreException">The collection does not exist, or a record has an invalid value or a vector of the wrong size (nothing is written).</exception>
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var list = records.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var rows = await BuildRowsAsync(list, cancellationToken);
        using var scope = await _database.EnterWriteAsync(cancellationToken);
        _database.Upsert(scope, _name, _shape, rows);
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The filter is not of a supported shape (thrown by the call, before enumeration).</exception>
    public override IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord>? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        var vectorProperty = _model.GetSearchVector(ResolveName(options.VectorProperty, "vector property"));
        var predicate = options.Filter is null ? null : CompileFilter(options.Filter);
        return SearchCoreAsync(searchValue, top, options, vectorProperty, predicate, cancellationToken);
    }

    private async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchCoreAsync<TInput>(
        TInput searchValue,
        int top,
        VectorSearchOptions<TRecord> options,
        VectorPropertyModel vectorProperty,
        Func<TRecord, bool>? predicate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TInput : notnull
    {
        var query = await VectorScoring.ToQueryVectorAsync(searchValue, vectorProperty, cancellationToken);

        var ranked = RankByVector(_database.Snapshot(_name, _shape), vectorProperty, query);
        int skipped = 0;
        int returned = 0;
        foreach (var (row, score) in ranked)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!VectorScoring.PassesThreshold(vectorProperty.DistanceFunction, score, options.ScoreThreshold))
            {
                // Results are ranked best first, so no later one passes either.
                yield break;
            }

            var record = Materialize(row, includeVectors: false);
            if (predicate is not null && !predicate(record))
            {
                continue;
            }

            if (skipped < options.Skip)
            {
                skipped++;
                continue;
            }

            if (options.IncludeVectors)
            {
                SetVectors(record, row);
            }

            yield return new VectorSearchResult<TRecord>(record, score);
            if (++returned == top)
            {
                yield break;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="NotSupportedException">The filter is not of a supported shape (thrown by the call, before enumeration).</exception>
    public IAsyncEnumerable<VectorSearchResult<TRecord>> HybridSearchAsync<TInput>(
        TInput searchValue,
        ICollection<string> keywords,
        int top,
        HybridSearchOptions<TRecord>? options = null,
        CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new HybridSearchOptions<TRecord>();
        var vectorProperty = _model.GetSearchVector(ResolveName(options.VectorProperty, "vector property"));
        var textProperty = _model.GetFullTextProperty(ResolveName(options.AdditionalProperty, "full-text property"));
        var predicate = options.Filter is null ? null : CompileFilter(options.Filter);
        var terms = keywords.SelectMany(k => TextAnalyzer.Default.Analyze(k)).Distinct(StringComparer.Ordinal).ToList();
        return HybridCoreAsync(searchValue, terms, top, options, vectorProperty, textProperty, predicate, cancellationToken);
    }

    private async IAsyncEnumerable<VectorSearchResult<TRecord>> HybridCoreAsync<TInput>(
        TInput searchValue,
        List<string> terms,
        int top,
        HybridSearchOptions<TRecord> options,
        VectorPropertyModel vectorProperty,
        PropertyModel textProperty,
        Func<TRecord, bool>? predicate,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TInput : notnull
    {
        var query = await VectorScoring.ToQueryVectorAsync(searchValue, vectorProperty, cancellationToken);

        // Both rankings are over the records that pass the filter, so the filter is applied first.
        var candidates = new List<(StoredRow Row, TRecord? Record)>();
        foreach (var row in _database.Snapshot(_name, _shape))
        {
            if (predicate is null)
            {
                candidates.Add((row, null));
                continue;
            }

            var record = Materialize(row, includeVectors: false);
            if (predicate(record))
            {
                candidates.Add((row, record));
            }
        }

        var fused = new Dictionary<StoredRow, double>(ReferenceEqualityComparer.Instance);
        var byVector = RankByVector(candidates.Select(c => c.Row), vectorProperty, query);
        for (int i = 0; i < byVector.Count; i++)
        {
            fused[byVector[i].Row] = 1d / (RrfK + i + 1);
        }

        var byKeyword = RankByKeywords(candidates.Select(c => c.Row).ToList(), textProperty, terms);
        for (int i = 0; i < byKeyword.Count; i++)
        {
            fused[byKeyword[i]] = fused.GetValueOrDefault(byKeyword[i]) + (1d / (RrfK + i + 1));
        }

        var order = candidates.Select((c, i) => (c.Row, c.Record, Index: i))
            .Where(c => fused.ContainsKey(c.Row))
            .Select(c => (c.Row, c.Record, c.Index, Score: fused[c.Row]))
            .Where(c => options.ScoreThreshold is not double threshold || c.Score >= threshold)
            .OrderByDescending(c => c.Score)
            .ThenBy(c => c.Index)
            .Skip(options.Skip)
            .Take(top);

        foreach (var (row, filtered, _, score) in order)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = filtered ?? Materialize(row, includeVectors: false);
            if (options.IncludeVectors)
            {
                SetVectors(record, row);
            }

            yield return new VectorSearchResult<TRecord>(record, score);
        }
    }

    /// <inheritdoc />
    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null)
        {
            return null;
        }

        if (serviceType == typeof(VectorStoreCollectionMetadata))
        {
            return new VectorStoreCollectionMetadata { VectorStoreSystemName = InMemoryDatabase.SystemName, CollectionName = _name };
        }

        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    private VectorStoreException UpsertFailed(string detail, Exception? inner) =>
        new($"Upsert failed on collection '{_name}': {detail}", inner)
        {
            VectorStoreSystemName = InMemoryDatabase.SystemName,
            CollectionName = _name,
            OperationName = "Upsert",
        };

    private object NormalizeKey(TKey key) => InMemoryValues.NormalizeKey(key, _model.Key.Type, _model.Key.Name);

    private Func<TRecord, bool> CompileFilter(Expression<Func<TRecord, bool>> filter) =>
        _compiledFilters.GetValue(filter, f => InMemoryFilter.Compile(f, _model));

    private string? ResolveName(Expression<Func<TRecord, object?>>? selector, string purpose) =>
        selector is null ? null : InMemoryFilter.ResolveProperty(selector, _model, purpose).Name;

    private List<(string StorageName, bool Ascending)> ResolveOrderBy(
        Func<FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition, FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition>? orderBy)
    {
        var keys = new List<(string, bool)>();
        if (orderBy is null)
        {
            return keys;
        }

        foreach (var sort in orderBy(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values)
        {
            var property = InMemoryFilter.ResolveProperty(sort.PropertySelector, _model, "order-by");
            var type = Nullable.GetUnderlyingType(property.Type) ?? property.Type;
            if (property.Role == PropertyRole.Vector || type == typeof(byte[]) || InMemoryValues.ListElementType(type) is not null)
            {
                throw new NotSupportedException($"Records cannot be ordered by '{property.Name}'; order by a scalar data or key property.");
            }

            keys.Add((property.StorageName, sort.Ascending));
        }

        return keys;
    }

    private async Task<List<StoredRow>> BuildRowsAsync(List<TRecord> records, CancellationToken cancellationToken)
    {
        var generated = new Dictionary<VectorPropertyModel, ReadOnlyMemory<float>?[]>();
        foreach (var vector in _model.VectorProperties.Where(v => !v.HoldsVector))
        {
            generated[vector] = await GenerateAsync(vector, records, cancellationToken);
        }

        var rows = new List<StoredRow>(records.Count);
        foreach (var (record, index) in records.Select((r, i) => (r, i)))
        {
            ArgumentNullException.ThrowIfNull(record, nameof(records));
            var key = InMemoryValues.NormalizeKey(_model.Key.GetValue(record), _model.Key.Type, _model.Key.Name);
            var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase) { [_model.Key.StorageName] = key };
            var terms = new Dictionary<string, TermStats>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in _model.DataProperties)
            {
                object? stored;
                try
                {
                    stored = InMemoryValues.ToStored(property.GetValue(record), property.Type, property.Name);
                }
                catch (ArgumentException ex)
                {
                    throw UpsertFailed($"the record '{key}' has an invalid value: {ex.Message}", ex);
                }

                values[property.StorageName] = stored;
                if (property.IsFullTextIndexed)
                {
                    terms[property.StorageName] = TermStats.Analyze(stored as string);
                }
            }

            var vectors = new Dictionary<string, float[]?>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in _model.VectorProperties)
            {
                ReadOnlyMemory<float>? vector;
                try
                {
                    vector = property.HoldsVector ? RecordModel.ToVector(property.GetValue(record)) : generated[property][index];
                }
                catch (InvalidOperationException ex)
                {
                    throw UpsertFailed($"the record '{key}' has an invalid value for '{property.Name}': {ex.Message}", ex);
                }

                // A null vector is stored as none (the record is not found by vector search); an unset
                // ReadOnlyMemory<float> is empty, not null, and fails the size check like any other wrong size.
                if (vector is { } v && v.Length != property.Dimensions)
                {
                    throw UpsertFailed($"the record '{key}' has a vector of {v.Length} dimensions for '{property.Name}', which holds {property.Dimensions}; nothing of the batch was written.", null);
                }

                vectors[property.StorageName] = vector?.ToArray();
            }

            rows.Add(new StoredRow(key, values, vectors, terms));
        }

        return rows;
    }

    private static async Task<ReadOnlyMemory<float>?[]> GenerateAsync(VectorPropertyModel property, List<TRecord> records, CancellationToken cancellationToken)
    {
        var result = new ReadOnlyMemory<float>?[records.Count];
        var indexes = new List<int>();
        var inputs = new List<object>();
        for (int i = 0; i < records.Count; i++)
        {
            if (property.GetValue(records[i]) is { } value)
            {
                indexes.Add(i);
                inputs.Add(value);
            }
        }

        if (inputs.Count == 0)
        {
            return result;
        }

        var vectors = inputs.All(i => i is string)
            ? await VectorScoring.GenerateManyAsync(property, inputs.Cast<string>().ToList(), cancellationToken)
            : await VectorScoring.GenerateManyAsync(property, inputs, cancellationToken);
        if (vectors.Count != inputs.Count)
        {
            throw new VectorStoreException($"The embedding generator of '{property.Name}' returned {vectors.Count} embeddings for {inputs.Count} inputs.")
            {
                VectorStoreSystemName = InMemoryDatabase.SystemName,
                OperationName = "Upsert",
            };
        }

        for (int i = 0; i < indexes.Count; i++)
        {
            result[indexes[i]] = vectors[i];
        }

        return result;
    }

    private TRecord Materialize(StoredRow row, bool includeVectors)
    {
        var record = (TRecord)_model.CreateRecord();
        _model.Key.SetValue(record, InMemoryValues.FromStored(row.Key, _model.Key.Type));
        foreach (var property in _model.DataProperties)
        {
            property.SetValue(record, InMemoryValues.FromStored(row.GetValue(property.StorageName), property.Type));
        }

        if (includeVectors)
        {
            SetVectors(record, row);
        }

        return record;
    }

    private void SetVectors(TRecord record, StoredRow row)
    {
        foreach (var property in _model.VectorProperties)
        {
            // A generator-backed property (a string, say) holds its source, not the vector, so there is nothing to return.
            if (!property.HoldsVector)
            {
                continue;
            }

            var stored = row.GetVector(property.StorageName);
            property.SetValue(record, RecordModel.FromVector(property.Type, stored is null ? null : new ReadOnlyMemory<float>(stored.ToArray())));
        }
    }

    private static List<(StoredRow Row, double Score)> RankByVector(IEnumerable<StoredRow> rows, VectorPropertyModel property, ReadOnlyMemory<float> query)
    {
        var scored = new List<(StoredRow Row, double Score)>();
        foreach (var row in rows)
        {
            if (row.GetVector(property.StorageName) is not { } vector)
            {
                continue;
            }

            var score = VectorScoring.Score(property.DistanceFunction, query.Span, vector);
            if (!double.IsNaN(score))
            {
                scored.Add((row, score));
            }
        }

        return VectorScoring.HigherIsBetter(property.DistanceFunction)
            ? [.. scored.OrderByDescending(s => s.Score)]
            : [.. scored.OrderBy(s => s.Score)];
    }

    /// <summary>Okapi BM25 over the candidates; only records that contain at least one term are ranked.</summary>
    private static List<StoredRow> RankByKeywords(List<StoredRow> rows, PropertyModel property, List<string> terms)
    {
        if (terms.Count == 0 || rows.Count == 0)
        {
            return [];
        }

        var stats = rows.Select(r => r.GetTerms(property.StorageName)).ToList();
        double averageLength = Math.Max(1d, stats.Average(s => s.Length));
        var documentFrequency = terms.ToDictionary(t => t, t => stats.Count(s => s.Frequencies.ContainsKey(t)), StringComparer.Ordinal);

        var scored = new List<(StoredRow Row, double Score)>();
        for (int i = 0; i < rows.Count; i++)
        {
            double score = 0;
            foreach (var term in terms)
            {
                if (!stats[i].Frequencies.TryGetValue(term, out var frequency))
                {
                    continue;
                }

                double df = documentFrequency[term];
                double idf = Math.Log(1d + ((rows.Count - df + 0.5) / (df + 0.5)));
                score += idf * (frequency * (Bm25K1 + 1)) / (frequency + (Bm25K1 * (1 - Bm25B + (Bm25B * stats[i].Length / averageLength))));
            }

            if (score > 0)
            {
                scored.Add((rows[i], score));
            }
        }

        return [.. scored.OrderByDescending(s => s.Score).Select(s => s.Row)];
    }

    /// <summary>Orders rows by stored values: nulls first, strings ordinally, as SQLite's BINARY collation does.</summary>
    private sealed class RowComparer : IComparer<StoredRow>
    {
        private readonly List<(string StorageName, bool Ascending)> _keys;

        public RowComparer(List<(string StorageName, bool Ascending)> keys)
        {
            _keys = keys;
        }

        public int Compare(StoredRow? x, StoredRow? y)
        {
            foreach (var (storageName, ascending) in _keys)
            {
                int result = CompareValues(x?.GetValue(storageName), y?.GetValue(storageName));
                if (result != 0)
                {
                    return ascending ? result : -result;
                }
            }

            return 0;
        }

        private static int CompareValues(object? a, object? b) => (a, b) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string sa, string sb) => string.CompareOrdinal(sa, sb),
            (IComparable ca, _) when a.GetType() == b.GetType() => ca.CompareTo(b),
            _ => string.CompareOrdinal(a.ToString(), b.ToString()),
        };
    }
}
