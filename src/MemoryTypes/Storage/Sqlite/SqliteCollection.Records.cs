using System.Globalization;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using KernelMemoryPlus.Storage.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>Get, upsert and delete.</summary>
internal sealed partial class SqliteCollection<TKey, TRecord>
{
    // Embedding requests are split so one huge upsert does not become one huge request to the embedding service.
    private const int EmbeddingBatchSize = 256;

    /// <inheritdoc />
    public override async Task<TRecord?> GetAsync(TKey key, RecordRetrievalOptions? options = null, CancellationToken cancellationToken = default)
    {
        var encoded = EncodeKey(key);
        bool includeVectors = options?.IncludeVectors ?? false;
        return await ReadAsync("Get", (lease, sql) =>
        {
            if (sql is null)
            {
                return null;
            }

            var command = lease.Context.Command(sql.SelectByKey(includeVectors));
            command.Parameters.Clear();
            command.Parameters.AddWithValue("@key", encoded);
            using var reader = command.ExecuteReader();
            return reader.Read() ? (TRecord)_mapping.ReadRecord(reader, includeVectors) : null;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<TRecord> GetAsync(IEnumerable<TKey> keys, RecordRetrievalOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var encoded = keys.Select(EncodeKey).ToList();
        if (encoded.Count == 0)
        {
            yield break;
        }

        bool includeVectors = options?.IncludeVectors ?? false;
        var records = await ReadAsync("Get", (lease, sql) =>
        {
            var found = new List<TRecord>(encoded.Count);
            if (sql is null)
            {
                return found;
            }

            var command = lease.Context.Command(sql.SelectByKey(includeVectors));
            command.Parameters.Clear();
            var parameter = command.Parameters.Add(new SqliteParameter("@key", encoded[0]));
            foreach (var key in encoded)
            {
                parameter.Value = key;
                using var reader = command.ExecuteReader();
                if (reader.Read())
                {
                    found.Add((TRecord)_mapping.ReadRecord(reader, includeVectors));
                }
            }

            return found;
        }, cancellationToken);

        foreach (var record in records)
        {
            yield return record;
        }
    }

    /// <inheritdoc />
    public override IAsyncEnumerable<TRecord> GetAsync(Expression<Func<TRecord, bool>> filter, int top, FilteredRecordRetrievalOptions<TRecord>? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        options ??= new FilteredRecordRetrievalOptions<TRecord>();
        ArgumentOutOfRangeException.ThrowIfNegative(options.Skip, nameof(options));

        // Translate now, so an unsupported filter fails at the call rather than at the first MoveNext.
        var where = SqliteFilterTranslator.Translate(filter, _mapping);
        string? orderBy = null;
        if (options.OrderBy is { } order)
        {
            var sorts = order(new FilteredRecordRetrievalOptions<TRecord>.OrderByDefinition()).Values;
            if (sorts.Count > 0)
            {
                orderBy = string.Join(", ", sorts.Select(s => SqliteFilterTranslator.OrderByExpression(s.PropertySelector, _mapping) + (s.Ascending ? " ASC" : " DESC")));
            }
        }

        return GetFilteredAsync(where, orderBy, top, options.Skip, options.IncludeVectors, cancellationToken);
    }

    /// <inheritdoc />
    public override Task UpsertAsync(TRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);
        return UpsertAsync([record], cancellationToken);
    }

    /// <inheritdoc />
    public override async Task UpsertAsync(IEnumerable<TRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var batch = records as IReadOnlyList<TRecord> ?? records.ToList();
        if (batch.Count == 0)
        {
            return;
        }

        var keys = new object[batch.Count];
        for (int i = 0; i < batch.Count; i++)
        {
            var record = batch[i] ?? throw new ArgumentException("The batch contains a null record.", nameof(records));
            keys[i] = EncodeKeyValue(_mapping.Model.Key.GetValue(record));
        }

        // Vectors are validated (and generated, outside any lock) before the write starts, so a bad record fails
        // the batch before anything is written.
        var vectors = await PrepareVectorsAsync(batch, keys, cancellationToken);

        await WriteAsync("Upsert", schemaChange: false, lease =>
        {
            var sql = Resolve(lease, "Upsert") ?? throw MissingCollection("Upsert");
            if (sql.Fts is null)
            {
                UpsertRows(lease, sql, batch, keys, vectors, cancellationToken);
            }
            else
            {
                UpsertRowsWithFullText(lease, sql, batch, keys, vectors, cancellationToken);
            }

            return batch.Count;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public override Task DeleteAsync(TKey key, CancellationToken cancellationToken = default) => DeleteAsync([key], cancellationToken);

    /// <inheritdoc />
    public override async Task DeleteAsync(IEnumerable<TKey> keys, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var encoded = keys.Select(EncodeKey).ToList();
        if (encoded.Count == 0)
        {
            return;
        }

        await WriteAsync("Delete", schemaChange: false, lease =>
        {
            // Deleting from a collection that does not exist deletes nothing.
            if (Resolve(lease, "Delete") is not { } sql)
            {
                return 0;
            }

            if (sql.FtsDeleteByKeys is not null && ExecuteWithKeys(lease, sql.FtsDeleteByKeys, encoded) == 0)
            {
                // Every row of the keys was just taken out of the index, one change each: none of them exists.
                return 0;
            }

            return ExecuteWithKeys(lease, sql.DeleteByKeys, encoded);
        }, cancellationToken);
    }

    /// <summary>Upserts the rows of a batch into a table without a full-text index: one statement per record.</summary>
    private void UpsertRows(SqliteLease lease, SqliteCollectionSql sql, IReadOnlyList<TRecord> batch, object[] keys, ReadOnlyMemory<float>?[][] vectors, CancellationToken cancellationToken)
    {
        var writer = _mapping.Writer;
        var swapBuffers = writer.CreateSwapBuffers();
        var upsert = lease.Context.Statement(sql.Upsert);
        for (int row = 0; row < batch.Count; row++)
        {
            if ((row & 0x3FF) == 0x3FF)
            {
                // Cancelling rolls the whole batch back, like any other failure.
                cancellationToken.ThrowIfCancellationRequested();
            }

            writer.Bind(upsert, batch[row], keys[row], vectors, row, swapBuffers);
            upsert.Execute();
        }
    }

    /// <summary>
    /// Upserts the rows of a batch into a table with an external-content FTS5 index and keeps the index exactly in
    /// step: a row must be taken out of the index with its old text before that text changes, and put back with the
    /// new text after, so only the rows that existed before the batch need the first step.
    /// </summary>
    /// <remarks>
    /// <para>Pass 1 inserts every record whose key is new (<c>ON CONFLICT DO NOTHING</c>) and notes the others:
    /// SQLite's own uniqueness check tells them apart, at no extra cost for new records (once most records of a batch
    /// turn out to exist, keys are looked up before inserting instead). A noted record either existed before the batch
    /// (it is in the index) or was inserted by an earlier record of the batch (it is not yet): its row id tells.</para>
    /// <para>Then one statement takes the rows that existed out of the index, pass 2 applies the noted records in
    /// batch order (so the last record of a key wins, as with one upsert per record), and one statement indexes every
    /// row the batch wrote, by row id. Each FTS5 write is a statement over the whole batch: FTS5 writes a segment per
    /// statement, so per-record FTS statements would fragment the index.</para>
    /// </remarks>
    private void UpsertRowsWithFullText(SqliteLease lease, SqliteCollectionSql sql, IReadOnlyList<TRecord> batch, object[] keys, ReadOnlyMemory<float>?[][] vectors, CancellationToken cancellationToken)
    {
        var context = lease.Context;
        var writer = _mapping.Writer;
        var swapBuffers = writer.CreateSwapBuffers();
        var insert = context.Statement(sql.InsertNew);
        var appended = new SqliteAppendedRows();
        List<int>? noted = null;
        List<long>? indexed = null;
        SqliteRawStatement? findRowId = null;
        for (int row = 0; row < batch.Count; row++)
        {
            if ((row & 0x3FF) == 0x3FF)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            // While most records of the batch so far existed (an update batch), look the key up first: cheaper than
            // binding a whole record for an insert that will not happen.
            long? rowId = null;
            bool existed = noted is not null && noted.Count * 2 > row
                && (rowId = FindRowId(context, sql, ref findRowId, keys[row])) is not null;
            if (!existed)
            {
                writer.Bind(insert, batch[row], keys[row], vectors, row, swapBuffers);
                if (insert.Execute() != 0)
                {
                    appended.Add(insert.LastInsertRowId);
                    continue;
                }

                rowId = FindRowId(context, sql, ref findRowId, keys[row]);
            }

            (noted ??= []).Add(row);
            if (rowId is { } id && !appended.Contains(id))
            {
                (indexed ??= []).Add(id);
            }
        }

        if (indexed is not null)
        {
            // Ascending and distinct: FTS5 takes ascending row ids into one segment (see SqliteCollectionSql), and a
            // row is taken out of the index once however often its key recurs in the batch.
            SortDistinct(indexed);
            var ftsDelete = context.Statement(sql.FtsDeleteByRowIds!);
            ftsDelete.BindJsonArray(1, indexed);
            ftsDelete.Execute();
        }

        if (noted is not null)
        {
            var upsert = context.Statement(sql.Upsert);
            for (int i = 0; i < noted.Count; i++)
            {
                if ((i & 0x3FF) == 0x3FF)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                int row = noted[i];
                writer.Bind(upsert, batch[row], keys[row], vectors, row, swapBuffers);
                upsert.Execute();
            }
        }

        if (appended.Count > 0 || indexed is not null)
        {
            // Rows the batch updated plus rows it inserted outside one run of row ids (rare), then the run.
            var listed = appended.Scattered;
            if (indexed is not null)
            {
                listed = listed is null ? indexed : [.. listed, .. indexed];
            }

            if (listed is not null && !ReferenceEquals(listed, indexed))
            {
                SortDistinct(listed);
            }

            var ftsInsert = context.Statement(sql.FtsInsertByRowIds!);
            ftsInsert.BindJsonArray(1, listed);
            ftsInsert.BindInt64(2, appended.First);
            ftsInsert.BindInt64(3, appended.Last);
            ftsInsert.Execute();
        }
    }

    private static long? FindRowId(SqliteConnectionContext context, SqliteCollectionSql sql, ref SqliteRawStatement? statement, object key)
    {
        statement ??= context.Statement(sql.SelectRowIdByKey);
        statement.BindValue(1, key);
        return statement.QueryInt64();
    }

    private static void SortDistinct(List<long> rowIds)
    {
        rowIds.Sort();
        int kept = 0;
        for (int i = 0; i < rowIds.Count; i++)
        {
            if (kept == 0 || rowIds[i] != rowIds[kept - 1])
            {
                rowIds[kept++] = rowIds[i];
            }
        }

        rowIds.RemoveRange(kept, rowIds.Count - kept);
    }

    /// <summary>Runs a statement over encoded keys (bound to <c>?1</c> as a JSON array, read with json_each).</summary>
    private static int ExecuteWithKeys(SqliteLease lease, string sql, List<object> keys)
    {
        var statement = lease.Context.Statement(sql);
        statement.BindJsonArray(1, keys);
        return statement.Execute();
    }

    private object EncodeKeyValue(object? key)
    {
        try
        {
            return SqliteValueCodec.EncodeKey(_mapping.Key, key);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"Collection '{Name}': {ex.Message}", nameof(key), ex);
        }
    }

    private object EncodeKey(TKey key) => EncodeKeyValue(key);

    private async IAsyncEnumerable<TRecord> GetFilteredAsync(SqliteFilter? where, string? orderBy, int top, int skip, bool includeVectors, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var records = await ReadAsync("Get", (lease, sql) =>
        {
            var found = new List<TRecord>();
            if (sql is null)
            {
                return found;
            }

            var command = lease.Context.Command(sql.SelectWhere(where?.Sql, orderBy, includeVectors));
            command.Parameters.Clear();
            where?.Bind(command);
            command.Parameters.AddWithValue("@top", top);
            command.Parameters.AddWithValue("@skip", skip);
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                found.Add((TRecord)_mapping.ReadRecord(reader, includeVectors));
            }

            return found;
        }, cancellationToken);

        foreach (var record in records)
        {
            yield return record;
        }
    }

    /// <summary>
    /// The vector of every record for every vector property, indexed [property][row]: read from the record, or
    /// generated in batches for generator-backed properties. Checks every vector's dimensions.
    /// </summary>
    private async Task<ReadOnlyMemory<float>?[][]> PrepareVectorsAsync(IReadOnlyList<TRecord> batch, object[] keys, CancellationToken cancellationToken)
    {
        var result = new ReadOnlyMemory<float>?[_mapping.Vectors.Count][];
        for (int v = 0; v < result.Length; v++)
        {
            var column = _mapping.Vectors[v];
            var model = column.Vector!;
            var values = result[v] = new ReadOnlyMemory<float>?[batch.Count];
            if (model.HoldsVector)
            {
                for (int row = 0; row < batch.Count; row++)
                {
                    try
                    {
                        values[row] = _mapping.Writer.ReadVector(v, batch[row]!);
                    }
                    catch (InvalidOperationException ex)
                    {
                        throw SqliteErrors.Create($"the record '{keys[row]}' has an invalid value for '{model.Name}': {ex.Message}", _store.StoreName, Name, "Upsert");
                    }
                }
            }
            else
            {
                await GenerateAsync(batch, model, values, cancellationToken);
            }

            for (int row = 0; row < batch.Count; row++)
            {
                if (values[row] is { } vector && vector.Length != model.Dimensions)
                {
                    throw SqliteErrors.Create(
                        $"the record '{keys[row]}' has a vector of {vector.Length} dimensions for '{model.Name}', which holds {model.Dimensions}; nothing of the batch was written.",
                        _store.StoreName,
                        Name,
                        "Upsert");
                }
            }
        }

        return result;
    }

    private async Task GenerateAsync(IReadOnlyList<TRecord> batch, VectorPropertyModel model, ReadOnlyMemory<float>?[] values, CancellationToken cancellationToken)
    {
        var rows = new List<int>();
        var inputs = new List<object>();
        for (int row = 0; row < batch.Count; row++)
        {
            if (model.GetValue(batch[row]!) is { } input)
            {
                rows.Add(row);
                inputs.Add(input);
            }
        }

        for (int start = 0; start < inputs.Count; start += EmbeddingBatchSize)
        {
            var chunk = inputs.GetRange(start, Math.Min(EmbeddingBatchSize, inputs.Count - start));
            IReadOnlyList<ReadOnlyMemory<float>> embeddings = chunk.All(i => i is string)
                ? await VectorScoring.GenerateManyAsync(model, chunk.Cast<string>().ToList(), cancellationToken)
                : await VectorScoring.GenerateManyAsync(model, chunk, cancellationToken);
            if (embeddings.Count != chunk.Count)
            {
                throw SqliteErrors.Create($"the embedding generator of '{model.Name}' returned {embeddings.Count} embeddings for {chunk.Count} inputs.", _store.StoreName, Name, "Upsert");
            }

            for (int i = 0; i < chunk.Count; i++)
            {
                values[rows[start + i]] = embeddings[i];
            }
        }
    }
}
