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
            var keyList = sql.Fts is null ? null : SqliteValueCodec.ToJsonArray(keys);
            if (keyList is not null)
            {
                // Out of the index with the old text first (records that exist), back in with the new text below.
                ExecuteWithKeys(lease, sql.FtsDeleteByKeys!, keyList);
            }

            var command = lease.Context.Command(sql.Upsert);
            command.Parameters.Clear();
            var parameters = new SqliteParameter[sql.UpsertParameterCount];
            for (int p = 0; p < parameters.Length; p++)
            {
                parameters[p] = command.Parameters.Add(new SqliteParameter("@c" + p.ToString(CultureInfo.InvariantCulture), DBNull.Value));
            }

            var buffers = _mapping.Vectors.Select(v => new byte[v.Dimensions * sizeof(float)]).ToArray();
            var data = _mapping.Data;
            for (int row = 0; row < batch.Count; row++)
            {
                if ((row & 0x3FF) == 0x3FF)
                {
                    // Cancelling rolls the whole batch back, like any other failure.
                    cancellationToken.ThrowIfCancellationRequested();
                }

                var record = batch[row];
                parameters[0].Value = keys[row];
                int p = 1;
                for (int i = 0; i < data.Count; i++)
                {
                    var column = data[i];
                    var value = column.Property.GetValue(record);
                    parameters[p++].Value = SqliteValueCodec.Encode(column, value);
                    if (column.CompanionName is not null)
                    {
                        parameters[p++].Value = SqliteValueCodec.EncodeCompanion(column, value);
                    }
                }

                for (int v = 0; v < buffers.Length; v++)
                {
                    if (vectors[v][row] is { } vector)
                    {
                        SqliteValueCodec.WriteVector(vector.Span, buffers[v]);
                        parameters[p++].Value = buffers[v];
                    }
                    else
                    {
                        parameters[p++].Value = DBNull.Value;
                    }
                }

                command.ExecuteNonQuery();
            }

            if (keyList is not null)
            {
                ExecuteWithKeys(lease, sql.FtsInsertByKeys!, keyList);
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

            var keyList = SqliteValueCodec.ToJsonArray(encoded);
            if (sql.FtsDeleteByKeys is not null)
            {
                ExecuteWithKeys(lease, sql.FtsDeleteByKeys, keyList);
            }

            int deleted = ExecuteWithKeys(lease, sql.DeleteByKeys, keyList);
            return deleted;
        }, cancellationToken);
    }

    /// <summary>Runs a statement over the keys in a JSON array (bound to <c>@keys</c>, read with json_each).</summary>
    private static int ExecuteWithKeys(SqliteLease lease, string sql, string keyList)
    {
        var command = lease.Context.Command(sql);
        command.Parameters.Clear();
        command.Parameters.AddWithValue("@keys", keyList);
        return command.ExecuteNonQuery();
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
                        values[row] = RecordModel.ToVector(model.GetValue(batch[row]!));
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
