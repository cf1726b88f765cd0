namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>A row of the <c>kmp_collections</c> catalog.</summary>
/// <param name="Id">The catalog id, part of the table names.</param>
/// <param name="Name">The collection name.</param>
/// <param name="Table">The records table.</param>
/// <param name="FtsTable">The FTS5 table over the full-text columns, or null when there are none.</param>
/// <param name="Shape">The stored column description.</param>
internal sealed record SqliteCatalogEntry(long Id, string Name, string Table, string? FtsTable, SqliteStoredShape Shape);
