using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Encryption;

/// <summary>
/// The AES-256 keys memories are sealed with: one primary key that new writes use, and older keys that are still
/// read until <c>encryption rotate</c> has re-encrypted what they sealed. Each key has an id (8 hex digits derived
/// from the key) that every sealed value carries, so a value always names the key that opens it.
/// </summary>
/// <remarks>
/// <para>A ring comes from a key file (JSON, owner-only, see <see cref="OpenFile"/>) or from configured keys
/// (<see cref="FromKeys"/>). A file ring follows the file: a running engine looks whether it changed at most every
/// <see cref="EncryptionOptions.KeyRingRefreshInterval"/>, and at once when it meets a key id it does not know, so keys
/// added or retired by another process (the rotation verb) take effect without a restart.</para>
/// <para>Thread safety: every member may be called concurrently. Keys are never logged, printed or put in exception
/// messages; only their ids are.</para>
/// </remarks>
public sealed class MemoryKeyRing
{
    /// <summary>The key length: 32 bytes (AES-256).</summary>
    public const int KeySize = 32;

    private const string FileFormat = "kernelmemoryplus-keyring-1";
    private static readonly byte[] s_idContext = "KernelMemoryPlus key id v1\0"u8.ToArray();
    private static readonly TimeSpan s_forcedReloadSpacing = TimeSpan.FromMilliseconds(100);

    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private readonly long _refreshTicks;
    private volatile KeySnapshot _current;
    private long _nextCheck;
    private long _lastForcedReload;
    private FileStamp _stamp;

    private MemoryKeyRing(string? filePath, KeySnapshot snapshot, bool created, TimeSpan refreshInterval, TimeProvider time, FileStamp stamp)
    {
        FilePath = filePath;
        _current = snapshot;
        Created = created;
        _time = time;
        _refreshTicks = (long)(refreshInterval.TotalSeconds * time.TimestampFrequency);
        _nextCheck = time.GetTimestamp() + _refreshTicks;
        _lastForcedReload = long.MinValue / 2;
        _stamp = stamp;
    }

    /// <summary>The key file, or null for configured keys.</summary>
    public string? FilePath { get; }

    /// <summary>True when <see cref="OpenFile"/> generated the key file (it did not exist).</summary>
    public bool Created { get; }

    /// <summary>Where the keys come from, for messages: the key file's path, or "configured keys".</summary>
    public string Source => FilePath ?? "configured keys";

    /// <summary>Where the keys come from, in words: "the key file '…'" or "the configured keys".</summary>
    internal string Description => FilePath is null ? "the configured keys" : $"the key file '{FilePath}'";

    /// <summary>The id of the key new writes are sealed with.</summary>
    public string PrimaryKeyId => Current().Primary.IdText;

    /// <summary>The keys (ids, creation times, which one is primary); never the keys themselves.</summary>
    public IReadOnlyList<MemoryKeyInfo> Keys
    {
        get
        {
            var snapshot = Current();
            return snapshot.Ordered.Select(k => new MemoryKeyInfo(k.IdText, k.CreatedUtc, ReferenceEquals(k, snapshot.Primary))).ToList();
        }
    }

    /// <summary>False when the key file can be read by others than its owner (Unix permissions beyond 0600).</summary>
    public bool IsOwnerOnly =>
        FilePath is null || OperatingSystem.IsWindows() || !File.Exists(FilePath)
        || (File.GetUnixFileMode(FilePath) & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) == 0;

    /// <summary>The key currently used to seal new values (the ring is refreshed from its file when due).</summary>
    internal KeyMaterial Primary => Current().Primary;

    /// <summary>A new random key, base64 (32 bytes from the operating system's cryptographic generator).</summary>
    public static string GenerateKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize));

    /// <summary>True when <paramref name="key"/> is base64 of exactly <see cref="KeySize"/> bytes.</summary>
    /// <param name="key">The key to check.</param>
    public static bool IsValidKey(string? key) => TryDecodeKey(key, out _);

    /// <summary>The id of a key (8 hex digits), as sealed values and key files name it.</summary>
    /// <param name="key">The key, base64 of 32 bytes.</param>
    /// <exception cref="ArgumentException">The key is not base64 of 32 bytes.</exception>
    public static string KeyIdOf(string key) =>
        TryDecodeKey(key, out var bytes) ? FormatId(IdOf(bytes)) : throw new ArgumentException("The key must be base64 of exactly 32 bytes.", nameof(key));

    /// <summary>A ring of configured keys: <paramref name="key"/> seals, <paramref name="previousKeys"/> only open.</summary>
    /// <param name="key">The primary key, base64 of 32 bytes.</param>
    /// <param name="previousKeys">Older keys still accepted for reading.</param>
    /// <exception cref="ArgumentException">A key is not base64 of 32 bytes, or two keys have the same id.</exception>
    public static MemoryKeyRing FromKeys(string key, IEnumerable<string>? previousKeys = null)
    {
        var created = DateTimeOffset.UnixEpoch;
        if (!TryDecodeKey(key, out var primaryBytes))
        {
            throw new ArgumentException("The encryption key must be base64 of exactly 32 bytes.", nameof(key));
        }

        var primary = new KeyMaterial(IdOf(primaryBytes), primaryBytes, created);
        var keys = new List<KeyMaterial>();
        foreach (var previous in previousKeys ?? [])
        {
            if (!TryDecodeKey(previous, out var bytes))
            {
                throw new ArgumentException("Every previous encryption key must be base64 of exactly 32 bytes.", nameof(previousKeys));
            }

            keys.Add(new KeyMaterial(IdOf(bytes), bytes, created));
        }

        keys.Add(primary);
        return new MemoryKeyRing(null, KeySnapshot.Create(keys, primary, "the configured keys"), created: false, TimeSpan.FromDays(1), TimeProvider.System, default);
    }

    /// <summary>
    /// Opens a key file, or creates it with a new key (owner-only, 0600) when it does not exist and
    /// <paramref name="create"/> is true. Two processes creating it at once end up with the same file.
    /// </summary>
    /// <param name="path">The key file.</param>
    /// <param name="create">Whether a missing file is created.</param>
    /// <param name="refreshInterval">How often to look for changes made by other processes; default 1 second.</param>
    /// <param name="timeProvider">The clock (tests pass a fake one).</param>
    /// <exception cref="MemoryEncryptionException">The file is missing (and not to be created), unreadable or not a valid key ring.</exception>
    public static MemoryKeyRing OpenFile(string path, bool create = true, TimeSpan? refreshInterval = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        var time = timeProvider ?? TimeProvider.System;
        bool created = false;
        if (!File.Exists(full))
        {
            if (!create)
            {
                throw new MemoryEncryptionException($"There is no key file at '{full}'. Point the setting Encryption:KeyFile at the key file the memories were written with, or configure the key (Encryption:Key).");
            }

            created = TryCreate(full);
        }

        var (snapshot, stamp) = Load(full);
        return new MemoryKeyRing(full, snapshot, created, refreshInterval ?? TimeSpan.FromSeconds(1), time, stamp);
    }

    /// <summary>Adds a new random key to the key file and makes it the primary key (new writes use it).</summary>
    /// <returns>The new key's id.</returns>
    /// <exception cref="InvalidOperationException">The ring holds configured keys, not a file.</exception>
    public string AddKey()
    {
        var path = RequireFile();
        lock (_sync)
        {
            var document = ReadDocument(path);
            var taken = document.Keys.Select(k => k.Id).ToHashSet(StringComparer.Ordinal);
            byte[] key;
            string id;
            do
            {
                key = RandomNumberGenerator.GetBytes(KeySize);
                id = FormatId(IdOf(key));
            }
            while (taken.Contains(id));

            document.Keys.Add(new KeyRingEntry { Id = id, Key = Convert.ToBase64String(key), CreatedUtc = _time.GetUtcNow() });
            document.Primary = id;
            WriteDocument(path, document, replace: true);
            ReloadLocked(path);
            return id;
        }
    }

    /// <summary>Removes every key but the primary one from the key file (after a rotation re-encrypted everything).</summary>
    /// <returns>The ids of the removed keys.</returns>
    /// <exception cref="InvalidOperationException">The ring holds configured keys, not a file.</exception>
    public IReadOnlyList<string> RetireOldKeys()
    {
        var path = RequireFile();
        lock (_sync)
        {
            var document = ReadDocument(path);
            var removed = document.Keys.Where(k => k.Id != document.Primary).Select(k => k.Id).ToList();
            if (removed.Count > 0)
            {
                document.Keys.RemoveAll(k => k.Id != document.Primary);
                WriteDocument(path, document, replace: true);
            }

            ReloadLocked(path);
            return removed;
        }
    }

    /// <summary>Reads the key file again now (configured keys: nothing to do).</summary>
    /// <exception cref="MemoryEncryptionException">The file is unreadable or not a valid key ring (the ring keeps its keys).</exception>
    public void Reload()
    {
        if (FilePath is { } path)
        {
            lock (_sync)
            {
                ReloadLocked(path);
            }
        }
    }

    /// <summary>The key with this id, or null when the ring has none (after reading a changed key file again).</summary>
    internal KeyMaterial? Find(uint id)
    {
        if (Current().ById.TryGetValue(id, out var key))
        {
            return key;
        }

        // Another process may have added it (a rotation running now): look at the file once, but not on every miss
        // of a namespace full of values sealed with a key that is really gone.
        if (FilePath is { } path)
        {
            long now = _time.GetTimestamp();
            lock (_sync)
            {
                if (now - _lastForcedReload >= (long)(s_forcedReloadSpacing.TotalSeconds * _time.TimestampFrequency))
                {
                    _lastForcedReload = now;
                    TryReloadLocked(path);
                }
            }
        }

        return _current.ById.GetValueOrDefault(id);
    }

    /// <summary>Decodes a base64 key of exactly <see cref="KeySize"/> bytes.</summary>
    internal static bool TryDecodeKey(string? key, out byte[] bytes)
    {
        bytes = [];
        if (string.IsNullOrWhiteSpace(key))
        {
            return false;
        }

        var buffer = new byte[(key.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(key.Trim(), buffer, out int written) || written != KeySize)
        {
            CryptographicOperations.ZeroMemory(buffer);
            return false;
        }

        bytes = buffer[..KeySize];
        CryptographicOperations.ZeroMemory(buffer);
        return true;
    }

    internal static string FormatId(uint id) => id.ToString("x8", CultureInfo.InvariantCulture);

    private static uint IdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> input = stackalloc byte[s_idContext.Length + KeySize];
        s_idContext.CopyTo(input);
        key.CopyTo(input[s_idContext.Length..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        CryptographicOperations.ZeroMemory(input);
        return BinaryPrimitives.ReadUInt32BigEndian(hash);
    }

    private string RequireFile() =>
        FilePath ?? throw new InvalidOperationException("This key ring holds configured keys (Encryption:Key); change them in the configuration, not through the ring.");

    private KeySnapshot Current()
    {
        if (FilePath is { } path && _time.GetTimestamp() >= Interlocked.Read(ref _nextCheck))
        {
            lock (_sync)
            {
                if (_time.GetTimestamp() >= _nextCheck)
                {
                    Interlocked.Exchange(ref _nextCheck, _time.GetTimestamp() + _refreshTicks);
                    if (FileStamp.Of(path) is { } stamp && stamp != _stamp)
                    {
                        TryReloadLocked(path);
                    }
                }
            }
        }

        return _current;
    }

    private void TryReloadLocked(string path)
    {
        try
        {
            ReloadLocked(path);
        }
        catch (MemoryEncryptionException)
        {
            // A file being replaced, removed or damaged by hand: keep the keys already known (nothing is lost by
            // that) and look again at the next check.
        }
    }

    private void ReloadLocked(string path)
    {
        var (snapshot, stamp) = Load(path, _current);
        _current = snapshot;
        _stamp = stamp;
    }

    /// <summary>
    /// Takes the key file's maintenance lock (an exclusive lock on "&lt;key file&gt;.lock" beside it), held while a
    /// missing key file is created and during a whole rotation, so that two processes never write the file at once.
    /// </summary>
    /// <param name="timeout">How long to wait for another holder; default 10 seconds.</param>
    /// <returns>The lock; dispose it to release.</returns>
    /// <exception cref="InvalidOperationException">The ring holds configured keys, not a file.</exception>
    /// <exception cref="IOException">Another process held the lock for longer than <paramref name="timeout"/>.</exception>
    public IDisposable LockForMaintenance(TimeSpan? timeout = null) => AcquireLock(RequireFile(), timeout ?? TimeSpan.FromSeconds(10));

    private static FileStream AcquireLock(string keyFile, TimeSpan timeout)
    {
        var path = keyFile + ".lock";
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileStream(path, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
            catch (IOException ex)
            {
                throw new IOException($"Another process holds the lock of the key file ({path}): a key rotation may be running. Wait for it to finish.", ex);
            }
        }
    }

    /// <summary>Creates the file with one new key unless it exists; true when this call created it.</summary>
    private static bool TryCreate(string path)
    {
        // Under the lock: a rename cannot refuse to replace a file atomically, so two creators would otherwise both
        // "win" and the first one's key could be replaced after it was used.
        using var creation = AcquireLock(path, TimeSpan.FromSeconds(10));
        if (File.Exists(path))
        {
            return false;
        }

        var key = RandomNumberGenerator.GetBytes(KeySize);
        var id = FormatId(IdOf(key));
        var document = new KeyRingDocument { Primary = id };
        document.Keys.Add(new KeyRingEntry { Id = id, Key = Convert.ToBase64String(key), CreatedUtc = DateTimeOffset.UtcNow });
        CryptographicOperations.ZeroMemory(key);
        WriteDocument(path, document, replace: false);
        return true;
    }

    private static (KeySnapshot Snapshot, FileStamp Stamp) Load(string path, KeySnapshot? previous = null)
    {
        // The stamp is taken before reading: a change made while reading is seen by the next check.
        var stamp = FileStamp.Of(path) ?? default;
        var document = ReadDocument(path);
        var keys = new List<KeyMaterial>();
        KeyMaterial? primary = null;
        foreach (var entry in document.Keys)
        {
            if (!TryDecodeKey(entry.Key, out var bytes))
            {
                throw new MemoryEncryptionException($"The key file '{path}' holds a key (id '{entry.Id}') that is not base64 of 32 bytes. Restore the file from a backup.") { KeyId = entry.Id };
            }

            uint id = IdOf(bytes);
            if (!string.Equals(FormatId(id), entry.Id, StringComparison.OrdinalIgnoreCase))
            {
                throw new MemoryEncryptionException($"The key file '{path}' holds a key listed as '{entry.Id}' whose id is really '{FormatId(id)}': the file was edited or damaged. Restore it from a backup.") { KeyId = entry.Id };
            }

            // Keys already known keep their object (and its pool of ciphers).
            var key = previous is not null && previous.ById.TryGetValue(id, out var known) ? known : new KeyMaterial(id, bytes, entry.CreatedUtc);
            keys.Add(key);
            if (string.Equals(entry.Id, document.Primary, StringComparison.OrdinalIgnoreCase))
            {
                primary = key;
            }
        }

        if (primary is null)
        {
            throw new MemoryEncryptionException($"The key file '{path}' names primary key '{document.Primary}', which it does not hold. Restore the file from a backup.");
        }

        return (KeySnapshot.Create(keys, primary, $"the key file '{path}'"), stamp);
    }

    private static KeyRingDocument ReadDocument(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MemoryEncryptionException($"The key file '{path}' cannot be read ({ex.GetType().Name}). Check that it exists and that this user owns it.", ex);
        }

        try
        {
            var document = JsonSerializer.Deserialize(bytes, KeyRingJson.Default.KeyRingDocument);
            if (document is null || document.Format != FileFormat || document.Keys.Count == 0)
            {
                throw new MemoryEncryptionException($"The file '{path}' is not a KernelMemoryPlus key ring (format '{FileFormat}' with at least one key). Restore it from a backup.");
            }

            return document;
        }
        catch (JsonException ex)
        {
            // The parser's message could quote part of a key: only the position is reported.
            throw new MemoryEncryptionException($"The key file '{path}' is not valid JSON (line {ex.LineNumber + 1}). Restore it from a backup.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Writes the file through a new owner-only temporary file and a rename, so readers never see half of it.</summary>
    private static void WriteDocument(string path, KeyRingDocument document, bool replace)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        try
        {
            document.Format = FileFormat;
            document.Note = "KernelMemoryPlus encryption keys. Keep this file secret (owner-only) and back it up apart from the data: without it the memories cannot be read.";
            using (var stream = new FileStream(temporary, options))
            {
                JsonSerializer.Serialize(stream, document, KeyRingJson.Readable.KeyRingDocument);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: replace);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>An immutable view of the keys; replaced as a whole when the file changes.</summary>
    private sealed class KeySnapshot
    {
        private KeySnapshot(Dictionary<uint, KeyMaterial> byId, List<KeyMaterial> ordered, KeyMaterial primary)
        {
            ById = byId;
            Ordered = ordered;
            Primary = primary;
        }

        public Dictionary<uint, KeyMaterial> ById { get; }

        public List<KeyMaterial> Ordered { get; }

        public KeyMaterial Primary { get; }

        public static KeySnapshot Create(List<KeyMaterial> keys, KeyMaterial primary, string source)
        {
            var byId = new Dictionary<uint, KeyMaterial>();
            foreach (var key in keys)
            {
                if (!byId.TryAdd(key.Id, key))
                {
                    throw new MemoryEncryptionException($"Two keys of {source} have the same id '{key.IdText}'; remove the duplicate.") { KeyId = key.IdText };
                }
            }

            return new KeySnapshot(byId, keys, primary);
        }
    }

    private readonly record struct FileStamp(long WriteTicks, long Length)
    {
        public static FileStamp? Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.LastWriteTimeUtc.Ticks, info.Length) : null;
        }
    }
}

/// <summary>A key of a <see cref="MemoryKeyRing"/>, without the key itself.</summary>
/// <param name="Id">The key's id (8 hex digits).</param>
/// <param name="CreatedUtc">When it was created (the Unix epoch for configured keys).</param>
/// <param name="IsPrimary">Whether new writes use it.</param>
public sealed record MemoryKeyInfo(string Id, DateTimeOffset CreatedUtc, bool IsPrimary);

/// <summary>
/// One AES-256 key and its ciphers: one <see cref="AesGcm"/> per thread (an instance is not safe for concurrent use,
/// and creating one per seal costs more than the seal).
/// </summary>
internal sealed class KeyMaterial
{
    public const int TagSize = 16;
    private readonly ThreadLocal<AesGcm> _cipher;

    public KeyMaterial(uint id, byte[] key, DateTimeOffset createdUtc)
    {
        Id = id;
        IdText = MemoryKeyRing.FormatId(id);
        CreatedUtc = createdUtc;
        _cipher = new ThreadLocal<AesGcm>(() => new AesGcm(key, TagSize));
    }

    public uint Id { get; }

    public string IdText { get; }

    public DateTimeOffset CreatedUtc { get; }

    /// <summary>This thread's cipher for the key; use it before the thread can run anything else (no await).</summary>
    public AesGcm Cipher => _cipher.Value!;
}

/// <summary>The key file's JSON.</summary>
internal sealed class KeyRingDocument
{
    public string Format { get; set; } = "";

    public string? Note { get; set; }

    public string Primary { get; set; } = "";

    public List<KeyRingEntry> Keys { get; set; } = [];
}

/// <summary>One key in the key file.</summary>
internal sealed class KeyRingEntry
{
    public string Id { get; set; } = "";

    public string Key { get; set; } = "";

    public DateTimeOffset CreatedUtc { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(KeyRingDocument))]
internal sealed partial class KeyRingJson : JsonSerializerContext
{
    /// <summary>Writes base64 keys as they are ('+' unescaped), so an operator can copy one into a setting.</summary>
    public static KeyRingJson Readable { get; } = new(new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
