using System.Runtime.CompilerServices;
using KernelMemoryPlus.Storage.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>Vector search (exact scan) and hybrid search (vector + FTS5 bm25, fused by reciprocal rank).</summary>
internal sealed partial class SqliteCollection<TKey, TRecord>
{
    /// <summary>The k of reciprocal rank fusion: score = Σ 1 / (k + rank).</summary>
    internal const int RrfK = 60;

    // Each ranking contributes at least this many candidates to the fusion, so a record ranked a little lower in
    // one list can still be lifted by the other.
    private const int MinFusionWindow = 100;

    /// <inheritdoc />
    public override IAsyncEnumerable<VectorSearchResult<TRecord>> SearchAsync<TInput>(TInput searchValue, int top, VectorSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new VectorSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        var vector = ResolveVectorColumn(options.VectorProperty);
        var where = SqliteFilterTranslator.Translate(options.Filter, _mapping);
        return SearchCoreAsync(searchValue, vector, top, options.Skip, options.ScoreThreshold, options.IncludeVectors, where, cancellationToken);
    }

    /// <inheritdoc />
    public IAsyncEnumerable<VectorSearchResult<TRecord>> HybridSearchAsync<TInput>(TInput searchValue, ICollection<string> keywords, int top, HybridSearchOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
        where TInput : notnull
    {
        ArgumentNullException.ThrowIfNull(searchValue);
        ArgumentNullException.ThrowIfNull(keywords);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new HybridSearchOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));
        var vector = ResolveVectorColumn(options.VectorProperty);
        var fullTextName = options.AdditionalProperty is null ? null : SqliteFilterTranslator.PropertyName(options.AdditionalProperty, _mapping);
        var fullText = _mapping.GetColumn(_mapping.Model.GetFullTextProperty(fullTextName));
        var where = SqliteFilterTranslator.Translate(options.Filter, _mapping);
        var match = SqliteFtsQuery.Build(keywords);
        return HybridCoreAsync(searchValue, vector, fullText, match, top, options.Skip, options.ScoreThreshold, options.IncludeVectors, where, cancellationToken);
    }

    private SqliteColumn ResolveVectorColumn(System.Linq.Expressions.LambdaExpression? selector)
    {
        var name = selector is null ? null : SqliteFilterTranslator.PropertyName(selector, _mapping);
        return _mapping.GetColumn(_mapping.Model.GetSearchVector(name));
    }

    private async IAsyncEnumerable<VectorSearchResult<TRecord>> SearchCoreAsync<TInput>(
        TInput searchValue, SqliteColumn vector, int top, int skip, double? threshold, bool includeVectors, SqliteFilter? where,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TInput : notnull
    {
        var query = await QueryVectorAsync(searchValue, vector, "Search", cancellationToken);
        int count = Capped((long)skip + top);
        var results = await ReadAsync("Search", (lease, sql) =>
        {
            if (sql is null)
            {
                return [];
            }

            var ranked = ScanVectors(lease, sql, vector, query, count, threshold, where, cancellationToken);
            var found = new List<VectorSearchResult<TRecord>>(top);
            foreach (var (rowId, score) in ranked.Skip(skip))
            {
                if (ReadByRowId(lease, sql, rowId, includeVectors) is { } record)
                {
                    found.Add(new VectorSearchResult<TRecord>(record, score));
                }
            }

            return found;
        }, cancellationToken);

        foreach (var result in results)
        {
            yield return result;
        }
    }

    private async IAsyncEnumerable<VectorSearchResult<TRecord>> HybridCoreAsync<TInput>(
        TInput searchValue, SqliteColumn vector, SqliteColumn fullText, string? match, int top, int skip, double? threshold, bool includeVectors, SqliteFilter? where,
        [EnumeratorCancellation] CancellationToken cancellationToken)
        where TInput : notnull
    {
        var query = await QueryVectorAsync(searchValue, vector, "HybridSearch", cancellationToken);
        int window = Math.Max(MinFusionWindow, Capped(4L * ((long)skip + top)));
        var results = await ReadAsync("HybridSearch", (lease, sql) =>
        {
            if (sql is null)
            {
                return [];
            }

            var fused = new Dictionary<long, double>();
            var byVector = ScanVectors(lease, sql, vector, query, window, threshold: null, where, cancellationToken);
            for (int rank = 0; rank < byVector.Count; rank++)
            {
                fused[byVector[rank].RowId] = 1d / (RrfK + rank + 1);
            }

            if (match is not null && sql.Fts is not null)
            {
                var byKeyword = ScanKeywords(lease, sql, fullText, match, window, where);
                for (int rank = 0; rank < byKeyword.Count; rank++)
                {
                    fused[byKeyword[rank]] = fused.GetValueOrDefault(byKeyword[rank]) + (1d / (RrfK + rank + 1));
                }
            }

            var found = new List<VectorSearchResult<TRecord>>(top);
            var ordered = fused
                .Where(f => threshold is not double t || f.Value >= t)
                .OrderByDescending(f => f.Value)
                .ThenBy(f => f.Key)
                .Skip(skip)
                .Take(top);
            foreach (var (rowId, score) in ordered)
            {
                if (ReadByRowId(lease, sql, rowId, includeVectors) is { } record)
                {
                    found.Add(new VectorSearchResult<TRecord>(record, score));
                }
            }

            return found;
        }, cancellationToken);

        foreach (var result in results)
        {
            yield return result;
        }
    }

    private static int Capped(long value) => (int)Math.Min(value, int.MaxValue);

    /// <summary>The query vector, with a dimension mismatch reported against this collection.</summary>
    private async ValueTask<ReadOnlyMemory<float>> QueryVectorAsync<TInput>(TInput searchValue, SqliteColumn vector, string operation, CancellationToken cancellationToken)
        where TInput : notnull
    {
        try
        {
            return await VectorScoring.ToQueryVectorAsync(searchValue, vector.Vector!, cancellationToken);
        }
        catch (VectorStoreException ex) when (ex.CollectionName is null)
        {
            throw SqliteErrors.Create(ex.Message, _store.StoreName, Name, operation);
        }
    }

    /// <summary>
    /// Scores every stored vector that passes the filter and keeps the best <paramref name="count"/> in a bounded
    /// heap: the scan reads each BLOB in place (see <see cref="SqliteRawScan"/>) and never holds more than
    /// <paramref name="count"/> results.
    /// </summary>
    private static List<(long RowId, double Score)> ScanVectors(
        SqliteLease lease, SqliteCollectionSql sql, SqliteColumn vector, ReadOnlyMemory<float> query, int count, double? threshold, SqliteFilter? where,
        CancellationToken cancellationToken)
    {
        var distance = vector.Vector!.DistanceFunction;
        var best = new SqliteTopK(count, VectorScoring.HigherIsBetter(distance));
        int expectedBytes = vector.Dimensions * sizeof(float);
        byte[]? swapBuffer = BitConverter.IsLittleEndian ? null : new byte[expectedBytes];
        SqliteRawScan.Run(lease.Context.Connection, sql.VectorScan(vector, where?.Sql), where, (rowId, blob) =>
        {
            if (blob.Length != expectedBytes)
            {
                // The CHECK constraint guarantees the size; a file edited by another tool is skipped, not misread.
                return;
            }

            var candidate = SqliteValueCodec.AsVector(blob, swapBuffer);
            double score = VectorScoring.Score(distance, query.Span, candidate);
            if (double.IsNaN(score) || !VectorScoring.PassesThreshold(distance, score, threshold))
            {
                // NaN comes from a zero vector under cosine: it matches nothing.
                return;
            }

            best.Add(rowId, score);
        }, cancellationToken);

        return best.ToSortedList();
    }

    /// <summary>Row ids of the best bm25 matches of the full-text column, best first.</summary>
    private static List<long> ScanKeywords(SqliteLease lease, SqliteCollectionSql sql, SqliteColumn fullText, string match, int count, SqliteFilter? where)
    {
        var command = lease.Context.Command(sql.KeywordScan(fullText, where?.Sql));
        command.Parameters.Clear();
        where?.Bind(command);
        command.Parameters.AddWithValue("@match", match);
        command.Parameters.AddWithValue("@limit", count);
        var rowIds = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            rowIds.Add(reader.GetInt64(0));
        }

        return rowIds;
    }

    private TRecord? ReadByRowId(SqliteLease lease, SqliteCollectionSql sql, long rowId, bool includeVectors)
    {
        var command = lease.Context.Command(sql.SelectByRowId(includeVectors));
        command.Parameters.Clear();
        command.Parameters.Add(new SqliteParameter("@rowid", rowId));
        using var reader = command.ExecuteReader();
        return reader.Read() ? (TRecord)_mapping.ReadRecord(reader, includeVectors) : null;
    }
}
