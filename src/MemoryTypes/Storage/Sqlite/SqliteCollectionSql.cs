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
        var values = string.Join(", ", Enumerable.Range(0, names.Count).Select(i => "@c" + i));
        var updates = names.Skip(1).Select(n => $"{n} = excluded.{n}").ToList();
        Upsert = $"INSERT INTO {Table} ({string.Join(", ", names)}) VALUES ({values}) ON CONFLICT ({mapping.Key.QuotedName}) DO "
            + (updates.Count == 0 ? "NOTHING" : "UPDATE SET " + string.Join(", ", updates));
        DeleteByKey = $"DELETE FROM {Table} WHERE {mapping.Key.QuotedName} = @key";
        Count = $"SELECT count(*) FROM {Table}";
    }

    public SqliteRecordMapping Mapping { get; }

    public SqliteCatalogEntry Entry { get; }

    /// <summary>The quoted records table.</summary>
    public string Table { get; }

    /// <summary>The quoted FTS5 table, or null.</summary>
    public string? Fts { get; }

    /// <summary>Inserts or updates one record; parameters <c>@c0</c>... in <see cref="SqliteRecordMapping"/> column order.</summary>
    public string Upsert { get; }

    public int UpsertParameterCount { get; }

    public string DeleteByKey { get; }

    public string Count { get; }

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

    /// <summary>The DDL that creates the collection's tables, indexes, FTS5 table and the triggers that keep it in step.</summary>
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
            var fts = SqliteSql.Quote(ftsTableName);
            var ftsColumns = string.Join(", ", fullText.Select(c => c.QuotedName));
            var newValues = string.Join(", ", fullText.Select(c => "new." + c.QuotedName));
            var oldValues = string.Join(", ", fullText.Select(c => "old." + c.QuotedName));
            var rowId = SqliteColumn.RowIdColumn;
            statements.Add($"CREATE VIRTUAL TABLE {fts} USING fts5({ftsColumns}, content={SqliteSql.Literal(tableName)}, content_rowid={SqliteSql.Literal(rowId)}, tokenize='porter unicode61')");

            // Merge 8 index segments at a time instead of 4: segment merging was about a fifth of the cost of a
            // bulk upsert (measured), and keyword queries, which read a few more segments, stay cheap next to the
            // vector scan. Stored in the FTS table's config, so it applies to every later connection.
            statements.Add($"INSERT INTO {fts}({fts}, rank) VALUES ('automerge', 8)");
            statements.Add($"CREATE TRIGGER {SqliteSql.Quote(tableName + "_ai")} AFTER INSERT ON {table} BEGIN INSERT INTO {fts}(rowid, {ftsColumns}) VALUES (new.{rowId}, {newValues}); END");
            statements.Add($"CREATE TRIGGER {SqliteSql.Quote(tableName + "_ad")} AFTER DELETE ON {table} BEGIN INSERT INTO {fts}({fts}, rowid, {ftsColumns}) VALUES ('delete', old.{rowId}, {oldValues}); END");
            statements.Add($"CREATE TRIGGER {SqliteSql.Quote(tableName + "_au")} AFTER UPDATE OF {ftsColumns} ON {table} BEGIN "
                + $"INSERT INTO {fts}({fts}, rowid, {ftsColumns}) VALUES ('delete', old.{rowId}, {oldValues}); "
                + $"INSERT INTO {fts}(rowid, {ftsColumns}) VALUES (new.{rowId}, {newValues}); END");
        }

        return statements;
    }
}
