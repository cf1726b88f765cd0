using System.Globalization;
using System.Text;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The SQL text of one record mapping against one collection table. Built once per (collection object, table) and
/// reused, so prepared statements are looked up by identical text.
/// </summary>
internal sealed class SqliteCollectionSql
{
    private readonly string[] _selectList = new string[2];
    private readonly string[] _selectByKey = new string[2];
    private readonly string[] _selectByRowId = new string[2];

    public SqliteCollectionSql(SqliteRecordMapping mapping, SqliteCatalogEntry entry)
    {
        Mapping = mapping;
        Entry = entry;
        Table = SqliteSql.Quote(entry.Table);
        Fts = entry.FtsTable is null ? null : SqliteSql.Quote(entry.FtsTable);

        for (int withVectors = 0; withVectors < 2; withVectors++)
        {
            var list = new StringBuilder("t.").Append(SqliteColumn.RowIdColumn).Append(", t.").Append(mapping.Key.QuotedName);
            foreach (var column in mapping.Data)
            {
                list.Append(", t.").Append(column.QuotedName);
                if (column.QuotedCompanionName is not null)
                {
                    list.Append(", t.").Append(column.QuotedCompanionName);
                }
            }

            if (withVectors == 1)
            {
                foreach (var column in mapping.Vectors)
                {
                    list.Append(", t.").Append(column.QuotedName);
                }
            }

            _selectList[withVectors] = list.ToString();
            _selectByKey[withVectors] = $"SELECT {list} FROM {Table} AS t WHERE t.{mapping.Key.QuotedName} = @key";
            _selectByRowId[withVectors] = $"SELECT {list} FROM {Table} AS t WHERE t.{SqliteColumn.RowIdColumn} = @rowid";
        }

        var names = new List<string> { mapping.Key.QuotedName };
        foreach (var column in mapping.Data)
        {
            names.Add(column.QuotedName);
            if (column.QuotedCompanionName is not null)
            {
                names.Add(column.QuotedCompanionName);
            }
        }

        names.AddRange(mapping.Vectors.Select(v => v.QuotedName));
        UpsertParameterCount = names.Count;

        // Parameters are positional (?1 the key, then the columns in mapping order): these statements run once per
        // record through SqliteRawStatement, which binds by index.
        var insert = $"INSERT INTO {Table} ({string.Join(", ", names)}) VALUES ({string.Join(", ", Enumerable.Range(1, names.Count).Select(i => "?" + i.ToString(CultureInfo.InvariantCulture)))}) ON CONFLICT ({mapping.Key.QuotedName}) DO ";
        var updates = names.Skip(1).Select(n => $"{n} = excluded.{n}").ToList();
        Upsert = insert + (updates.Count == 0 ? "NOTHING" : "UPDATE SET " + string.Join(", ", updates));
        InsertNew = insert + "NOTHING";
        SelectRowIdByKey = $"SELECT {SqliteColumn.RowIdColumn} FROM {Table} WHERE {mapping.Key.QuotedName} = ?1";

        // Batches pass their keys (or row ids) as one JSON array parameter, ?1, so one statement serves any number.
        var keyIn = $"{mapping.Key.QuotedName} IN (SELECT value FROM json_each(?1))";
        DeleteByKeys = $"DELETE FROM {Table} WHERE {keyIn}";
        if (Fts is not null)
        {
            // The FTS columns are those the table was created with (the stored shape), whatever this record maps.
            var ftsColumns = entry.Shape.FullTextColumns.Select(SqliteSql.Quote).ToList();
            var columnList = string.Join(", ", ftsColumns);
            var current = string.Join(", ", ftsColumns.Select(c => "t." + c));
            var rowIdIn = $"t.{SqliteColumn.RowIdColumn} IN (SELECT value FROM json_each(?1))";
            // FTS5 keeps the rows of a statement in one pending segment only while their row ids ascend; a smaller row
            // id makes it flush a segment first. Keys are not in row id order (random or same-millisecond ids), so
            // the rows are sorted: measured 2x faster deletes of random keys, and far fewer segments to merge.
            FtsDeleteByKeys = $"INSERT INTO {Fts}({Fts}, rowid, {columnList}) SELECT 'delete', t.{SqliteColumn.RowIdColumn}, {current} FROM {Table} AS t WHERE t.{keyIn} ORDER BY t.{SqliteColumn.RowIdColumn}";
            FtsDeleteByRowIds = $"INSERT INTO {Fts}({Fts}, rowid, {columnList}) SELECT 'delete', t.{SqliteColumn.RowIdColumn}, {current} FROM {Table} AS t WHERE {rowIdIn}";

            // Listed rows first, then the range: the caller lists row ids sorted, both parts come out in ascending
            // row id order, and the range (the rows a batch appended) lies above every listed row, so FTS5 receives
            // ascending row ids and keeps them in one pending segment.
            FtsInsertByRowIds = $"INSERT INTO {Fts}(rowid, {columnList}) SELECT t.{SqliteColumn.RowIdColumn}, {current} FROM {Table} AS t WHERE {rowIdIn}"
                + $" UNION ALL SELECT t.{SqliteColumn.RowIdColumn}, {current} FROM {Table} AS t WHERE t.{SqliteColumn.RowIdColumn} BETWEEN ?2 AND ?3";
        }
    }

    public SqliteRecordMapping Mapping { get; }

    public SqliteCatalogEntry Entry { get; }

    /// <summary>The quoted records table.</summary>
    public string Table { get; }

    /// <summary>The quoted FTS5 table, or null.</summary>
    public string? Fts { get; }

    /// <summary>
    /// Inserts or updates one record; parameters <c>?1</c> (the key), <c>?2</c>... in <see cref="SqliteRecordMapping"/>
    /// column order (see <see cref="SqliteRowWriter"/>).
    /// </summary>
    public string Upsert { get; }

    /// <summary>
    /// Inserts one record unless its key exists (then changes nothing: <c>sqlite3_changes</c> is 0); parameters as
    /// <see cref="Upsert"/>.
    /// </summary>
    public string InsertNew { get; }

    public int UpsertParameterCount { get; }

    /// <summary>The row id of the key <c>?1</c>.</summary>
    public string SelectRowIdByKey { get; }

    /// <summary>Deletes the records whose keys are in the JSON array <c>?1</c>.</summary>
    public string DeleteByKeys { get; }

    /// <summary>
    /// Removes the current rows of the keys in the JSON array <c>?1</c> from the FTS5 index (an external-content index
    /// must be told the exact old values), in row id order; null without full-text columns. Changes one row per record
    /// found.
    /// </summary>
    public string? FtsDeleteByKeys { get; }

    /// <summary>
    /// Removes the current rows whose row ids are in the JSON array <c>?1</c> (sorted, see <see cref="FtsDeleteByKeys"/>)
    /// from the FTS5 index; null without full-text columns. Only for rows that are in the index.
    /// </summary>
    public string? FtsDeleteByRowIds { get; }

    /// <summary>
    /// Indexes the current rows whose row ids are in the JSON array <c>?1</c> (sorted, and below the range when there is
    /// one) or between <c>?2</c> and <c>?3</c> in the FTS5 index; null without full-text columns. Only for rows that are
    /// not in the index.
    /// </summary>
    public string? FtsInsertByRowIds { get; }

    public string SelectList(bool includeVectors) => _selectList[includeVectors ? 1 : 0];

    public string SelectByKey(bool includeVectors) => _selectByKey[includeVectors ? 1 : 0];

    public string SelectByRowId(bool includeVectors) => _selectByRowId[includeVectors ? 1 : 0];

    /// <summary>Filtered, ordered, paged records: parameters of the filter plus <c>@top</c> and <c>@skip</c>.</summary>
    public string SelectWhere(string? where, string? orderBy, bool includeVectors) =>
        $"SELECT {SelectList(includeVectors)} FROM {Table} AS t"
        + (where is null ? "" : " WHERE " + where)
        + " ORDER BY " + (orderBy is null ? "" : orderBy + ", ") + "t." + SqliteColumn.RowIdColumn
        + " LIMIT @top OFFSET @skip";

    /// <summary>Row ids and vectors of the rows that pass the filter.</summary>
    public string VectorScan(SqliteColumn vector, string? where) =>
        $"SELECT t.{SqliteColumn.RowIdColumn}, t.{vector.QuotedName} FROM {Table} AS t WHERE t.{vector.QuotedName} IS NOT NULL"
        + (where is null ? "" : " AND (" + where + ")");

    /// <summary>Row ids of the best keyword matches in one full-text column (bm25, best first): <c>@match</c>, <c>@limit</c>.</summary>
    public string KeywordScan(SqliteColumn fullText, string? where) =>
        $"SELECT t.{SqliteColumn.RowIdColumn} FROM {Fts} AS f JOIN {Table} AS t ON t.{SqliteColumn.RowIdColumn} = f.rowid"
        + $" WHERE f.{fullText.QuotedName} MATCH @match"
        + (where is null ? "" : " AND (" + where + ")")
        // bm25 takes the FTS table's hidden column, which carries the table's own name (not the alias).
        + " ORDER BY bm25(f." + Fts + ") LIMIT @limit";

    /// <summary>The DDL that creates the collection's table, its indexes and its FTS5 table.</summary>
    public static List<string> CreateStatements(SqliteRecordMapping mapping, string tableName, string? ftsTableName)
    {
        var table = SqliteSql.Quote(tableName);
        var columns = new List<string>
        {
            $"{SqliteColumn.RowIdColumn} INTEGER PRIMARY KEY",
            $"{mapping.Key.QuotedName} {mapping.Key.SqlType} NOT NULL UNIQUE",
        };

        foreach (var column in mapping.Data)
        {
            columns.Add($"{column.QuotedName} {column.SqlType}");
            if (column.QuotedCompanionName is not null)
            {
                columns.Add($"{column.QuotedCompanionName} INTEGER");
            }
        }

        foreach (var column in mapping.Vectors)
        {
            // Defence in depth: the store checks dimensions before writing; the constraint keeps other writers honest.
            columns.Add($"{column.QuotedName} BLOB CHECK ({column.QuotedName} IS NULL OR length({column.QuotedName}) = {column.Dimensions * sizeof(float)})");
        }

        var statements = new List<string> { $"CREATE TABLE {table} ({string.Join(", ", columns)})" };
        int index = 0;
        foreach (var column in mapping.Data.Where(c => c.Property.IsIndexed && c.Kind is not (SqliteColumnKind.Json or SqliteColumnKind.Blob)))
        {
            statements.Add($"CREATE INDEX {SqliteSql.Quote($"{tableName}_ix{index++}")} ON {table} ({column.QuotedName})");
        }

        var fullText = mapping.Data.Where(c => c.Property.IsFullTextIndexed).ToList();
        if (ftsTableName is not null && fullText.Count > 0)
        {
            // No triggers: the collection keeps the index in step itself, one INSERT ... SELECT per batch (see
            // FtsDeleteByRowIds/FtsInsertByRowIds). SQLite opens a statement savepoint on the FTS5 table for every
            // statement that writes to it, and FTS5 flushes its pending terms into a new segment at each one; a
            // trigger (one statement per row) therefore wrote a segment per record and merged them endlessly, and
            // halved the throughput of a bulk upsert (measured).
            statements.Add($"CREATE VIRTUAL TABLE {SqliteSql.Quote(ftsTableName)} USING fts5({string.Join(", ", fullText.Select(c => c.QuotedName))}, content={SqliteSql.Literal(tableName)}, content_rowid={SqliteSql.Literal(SqliteColumn.RowIdColumn)}, tokenize='porter unicode61')");
        }

        return statements;
    }
}
