using System.Globalization;
using Microsoft.Data.Sqlite;

namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>
/// The file-level schema: how a KernelMemoryPlus database is recognised, checked before use, and migrated.
/// </summary>
/// <remarks>
/// <para>A KernelMemoryPlus file carries <c>PRAGMA application_id</c> = <see cref="ApplicationId"/> ("KMP1") and its
/// schema version in <c>PRAGMA user_version</c>. Version 1 holds the <c>kmp_collections</c> catalog; each collection
/// then has its own tables (see <see cref="SqliteCollectionSql.CreateStatements"/>).</para>
/// <para>Opening an existing file first inspects it through a read-only connection, so a file that is refused (not
/// a database, corrupt, another application's, from a newer version) is never written to. Only then is the writer
/// connection opened, WAL switched on, and pending migrations applied in one transaction.</para>
/// </remarks>
internal static class SqliteSchema
{
    /// <summary>The SQLite application id of KernelMemoryPlus files: ASCII "KMP1".</summary>
    public const int ApplicationId = 0x4B4D5031;

    /// <summary>The schema version this code writes and understands.</summary>
    public const int CurrentVersion = 1;

    private static readonly byte[] s_sqliteMagic = "SQLite format 3\0"u8.ToArray();

    /// <summary>Migration n brings a file from version n-1 to n. Append only; never edit a released migration.</summary>
    private static readonly (int Version, string[] Statements)[] s_migrations =
    [
        (1,
        [
            $"""
            CREATE TABLE {SqliteCatalog.TableName} (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL UNIQUE,
                table_name TEXT NOT NULL UNIQUE,
                fts_table_name TEXT,
                definition TEXT NOT NULL,
                created_utc TEXT NOT NULL
            )
            """,
        ]),
    ];

    /// <summary>
    /// Refuses an existing file that is not a usable KernelMemoryPlus database, without writing to it.
    /// A missing or empty file passes (it becomes a new database).
    /// </summary>
    /// <exception cref="StoreSchemaException">The file is refused; the message says why and what to do.</exception>
    public static void Inspect(string path, SqliteVectorStoreOptions options)
    {
        var file = new FileInfo(path);
        if (!file.Exists || file.Length == 0)
        {
            return;
        }

        var header = new byte[100];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        {
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }

        if (read < header.Length || !header.AsSpan(0, s_sqliteMagic.Length).SequenceEqual(s_sqliteMagic))
        {
            throw new StoreSchemaException(
                $"The file '{path}' is not a SQLite database, so it cannot be a KernelMemoryPlus store. It was left untouched. Point the store at another path, or move the file away if it is not needed.",
                path);
        }

        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        try
        {
            using var connection = new SqliteConnection(builder.ToString());
            connection.Open();
            long applicationId = Scalar(connection, "PRAGMA application_id");
            long version = Scalar(connection, "PRAGMA user_version");
            long objects = Scalar(connection, "SELECT count(*) FROM sqlite_schema");
            CheckIdentity(path, applicationId, version, objects);

            if (options.VerifyIntegrityOnOpen)
            {
                var problems = new List<string>();
                using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA quick_check(20)";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    problems.Add(reader.GetString(0));
                }

                if (problems is not ["ok"])
                {
                    throw new StoreSchemaException(
                        $"The KernelMemoryPlus store '{path}' is damaged (integrity check: {string.Join("; ", problems)}). It was left untouched. Restore it from a backup, or recover what SQLite can read with the sqlite3 '.recover' command into a new file.",
                        path);
                }
            }
        }
        catch (SqliteException ex) when ((ex.SqliteErrorCode & 0xFF) is 11 or 26)
        {
            throw new StoreSchemaException(
                $"The file '{path}' is corrupt or not a database ({ex.Message}). It was left untouched. Restore it from a backup, or point the store at another path.",
                path,
                ex);
        }
    }

    /// <summary>Switches the writer to WAL and applies pending migrations in one transaction.</summary>
    /// <exception cref="StoreSchemaException">Another process changed the file into one this code refuses.</exception>
    public static void Upgrade(SqliteConnection writer, string path)
    {
        var mode = Convert.ToString(ScalarObject(writer, "PRAGMA journal_mode = WAL"), CultureInfo.InvariantCulture);
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new StoreSchemaException(
                $"The store '{path}' could not switch to write-ahead logging (journal mode is '{mode}'); the file system may not support the shared memory it needs. Put the store on a local disk.",
                path);
        }

        if (Scalar(writer, "PRAGMA application_id") == ApplicationId && Scalar(writer, "PRAGMA user_version") == CurrentVersion)
        {
            EnsureCatalog(writer, path);
            return;
        }

        Execute(writer, "BEGIN IMMEDIATE");
        try
        {
            // Read again under the write lock: another process may have migrated the file meanwhile.
            long applicationId = Scalar(writer, "PRAGMA application_id");
            long version = Scalar(writer, "PRAGMA user_version");
            CheckIdentity(path, applicationId, version, Scalar(writer, "SELECT count(*) FROM sqlite_schema"));
            foreach (var (target, statements) in s_migrations)
            {
                if (target <= version)
                {
                    continue;
                }

                foreach (var statement in statements)
                {
                    Execute(writer, statement);
                }
            }

            Execute(writer, string.Create(CultureInfo.InvariantCulture, $"PRAGMA application_id = {ApplicationId}"));
            Execute(writer, string.Create(CultureInfo.InvariantCulture, $"PRAGMA user_version = {CurrentVersion}"));
            Execute(writer, "COMMIT");
        }
        catch
        {
            try
            {
                Execute(writer, "ROLLBACK");
            }
            catch (SqliteException)
            {
                // Already rolled back by SQLite.
            }

            throw;
        }

        EnsureCatalog(writer, path);
    }

    private static void CheckIdentity(string path, long applicationId, long version, long objects)
    {
        if (applicationId == 0)
        {
            if (objects == 0 && version == 0)
            {
                return;
            }

            throw new StoreSchemaException(
                $"The file '{path}' is a SQLite database of another application (it has {objects} schema objects and no KernelMemoryPlus identity). It was left untouched. Point the store at a new or empty file.",
                path);
        }

        if (applicationId != ApplicationId)
        {
            throw new StoreSchemaException(
                string.Create(CultureInfo.InvariantCulture, $"The file '{path}' is a SQLite database of another application (application_id 0x{applicationId:X8}, KernelMemoryPlus uses 0x{ApplicationId:X8}). It was left untouched. Point the store at a new or empty file."),
                path);
        }

        if (version > CurrentVersion)
        {
            throw new StoreSchemaException(
                string.Create(CultureInfo.InvariantCulture, $"The KernelMemoryPlus store '{path}' has schema version {version}, newer than the version {CurrentVersion} this release understands. It was left untouched. Upgrade KernelMemoryPlus to open it."),
                path);
        }
    }

    private static void EnsureCatalog(SqliteConnection connection, string path)
    {
        if (Scalar(connection, $"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '{SqliteCatalog.TableName}'") != 1)
        {
            throw new StoreSchemaException(
                $"The KernelMemoryPlus store '{path}' has lost its collection catalog (table {SqliteCatalog.TableName}); the file is damaged. Restore it from a backup.",
                path);
        }
    }

    private static long Scalar(SqliteConnection connection, string sql) =>
        Convert.ToInt64(ScalarObject(connection, sql), CultureInfo.InvariantCulture);

    private static object? ScalarObject(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
