using Microsoft.Data.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>Turns SQLite failures into <see cref="VectorStoreException"/>s that say what failed and why.</summary>
internal static class SqliteErrors
{
    /// <summary>The <see cref="VectorStoreMetadata.VectorStoreSystemName"/> of the store.</summary>
    public const string SystemName = "kmp-sqlite";

    public static VectorStoreException Wrap(Exception exception, string storeName, string? collectionName, string operationName) =>
        new(Message(storeName, collectionName, operationName, Explain(exception)), exception)
        {
            VectorStoreSystemName = SystemName,
            VectorStoreName = storeName,
            CollectionName = collectionName,
            OperationName = operationName,
        };

    public static VectorStoreException Create(string detail, string storeName, string? collectionName, string operationName) =>
        new(Message(storeName, collectionName, operationName, detail))
        {
            VectorStoreSystemName = SystemName,
            VectorStoreName = storeName,
            CollectionName = collectionName,
            OperationName = operationName,
        };

    private static string Message(string storeName, string? collectionName, string operationName, string detail) =>
        collectionName is null
            ? $"{operationName} failed in the SQLite store '{storeName}': {detail}"
            : $"{operationName} failed on collection '{collectionName}' in the SQLite store '{storeName}': {detail}";

    private static string Explain(Exception exception)
    {
        if (exception is not SqliteException sqlite)
        {
            return exception.Message;
        }

        // Primary result codes, see https://sqlite.org/rescode.html.
        var hint = (sqlite.SqliteErrorCode & 0xFF) switch
        {
            5 or 6 => "the database stayed locked by another connection or process for longer than the busy timeout; retry, or raise SqliteVectorStoreOptions.BusyTimeout.",
            8 => "the database file is read-only; check the file's permissions.",
            10 => "a disk I/O error occurred; check the disk and the file's permissions.",
            11 or 26 => "the database file is damaged; restore it from a backup.",
            13 => "the disk is full; free some space and retry.",
            14 => "the database file cannot be opened; check that its directory exists and is writable.",
            19 => "a constraint failed (for example a vector of the wrong size); nothing of the operation was written.",
            _ => null,
        };
        return hint is null ? sqlite.Message : $"{hint} ({sqlite.Message})";
    }
}
