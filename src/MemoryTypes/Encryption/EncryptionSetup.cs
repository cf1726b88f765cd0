using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Storage.InMemory;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Encryption;

/// <summary>Resolves the keys of an engine from its settings and its store (see <see cref="EncryptionOptions"/>).</summary>
internal static partial class EncryptionSetup
{
    /// <summary>The key file a store uses by default: beside its SQLite database; null for stores without a file.</summary>
    public static string? DefaultKeyFile(VectorStore store) =>
        store.GetService(typeof(SqliteVectorStore)) is SqliteVectorStore sqlite ? EncryptionOptions.DefaultKeyFileFor(sqlite.FilePath) : null;

    /// <summary>
    /// The key ring for these settings and this store, or null when there are no keys (nothing configured, and no key
    /// file where one is looked for). A missing key file is created only when <paramref name="create"/> is true.
    /// </summary>
    public static MemoryKeyRing? ResolveKeyRing(EncryptionOptions options, VectorStore store, bool create)
    {
        if (options.KeyRing is { } given)
        {
            return given;
        }

        if (options.Key is { } key)
        {
            return MemoryKeyRing.FromKeys(key, options.PreviousKeys);
        }

        var file = options.KeyFile is { } configured ? Path.GetFullPath(configured) : DefaultKeyFile(store);
        if (file is null || (!create && !File.Exists(file)))
        {
            return null;
        }

        return MemoryKeyRing.OpenFile(file, create, options.KeyRingRefreshInterval);
    }

    public static RecordMapper CreateMapper(EncryptionOptions options, VectorStore store, ILogger logger)
    {
        bool fileless = store.GetService(typeof(InMemoryVectorStore)) is not null;
        var ring = ResolveKeyRing(options, store, create: options.Enabled && !(fileless && options.KeyFile is null));
        var where = Describe(store);
        if (!options.Enabled)
        {
            if (!fileless)
            {
                LogOff(logger, where);
            }

            return ring is null ? RecordMapper.Plain : new RecordMapper(ring, sealWrites: false);
        }

        if (ring is null)
        {
            if (fileless)
            {
                LogNothingAtRest(logger, where);
            }
            else
            {
                LogNoKey(logger, where);
            }

            return RecordMapper.Plain;
        }

        if (ring.FilePath is null)
        {
            LogConfiguredKeys(logger, ring.PrimaryKeyId, ring.Keys.Count);
        }
        else if (ring.Created)
        {
            LogKeyFileCreated(logger, ring.FilePath, ring.PrimaryKeyId);
        }
        else
        {
            LogKeyFile(logger, ring.FilePath, ring.PrimaryKeyId, ring.Keys.Count);
        }

        if (!ring.IsOwnerOnly)
        {
            LogKeyFileExposed(logger, ring.FilePath!);
        }

        return new RecordMapper(ring, sealWrites: true);
    }

    private static string Describe(VectorStore store) =>
        store.GetService(typeof(SqliteVectorStore)) is SqliteVectorStore sqlite
            ? sqlite.FilePath
            : store.GetService(typeof(VectorStoreMetadata)) is VectorStoreMetadata meta ? meta.VectorStoreSystemName ?? "the store" : "the store";

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption at rest: on. Generated a new key file {KeyFile} (owner-only; key {KeyId}). Back it up apart from the data: without it the memories cannot be read")]
    private static partial void LogKeyFileCreated(ILogger logger, string keyFile, string keyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption at rest: on. Keys from the key file {KeyFile} (primary key {KeyId}, {Count} keys)")]
    private static partial void LogKeyFile(ILogger logger, string keyFile, string keyId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Encryption at rest: on. Key from the configuration (primary key {KeyId}, {Count} keys)")]
    private static partial void LogConfiguredKeys(ILogger logger, string keyId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The key file {KeyFile} can be read by other users than its owner; restrict it (chmod 600)")]
    private static partial void LogKeyFileExposed(ILogger logger, string keyFile);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encryption at rest is switched off: memories are written in plaintext to {Store}")]
    private static partial void LogOff(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Encryption at rest is off for {Store}: no key is configured for a store without a database file. Set Encryption:Key or Encryption:KeyFile")]
    private static partial void LogNoKey(ILogger logger, string store);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Encryption at rest: nothing is at rest in {Store} (in process memory), so memories are not sealed")]
    private static partial void LogNothingAtRest(ILogger logger, string store);
}
