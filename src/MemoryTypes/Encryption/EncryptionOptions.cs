namespace KernelMemoryPlus.Encryption;

/// <summary>
/// Encryption at rest (<see cref="KernelMemoryPlusOptions.Encryption"/>): the content and metadata of every memory, and
/// the type of every link, are sealed with AES-256-GCM before they reach the store.
/// </summary>
/// <remarks>
/// <para>Where the keys come from, first match wins: <see cref="KeyRing"/> (an instance), <see cref="Key"/> (base64,
/// from configuration or an environment variable), <see cref="KeyFile"/>, and for a SQLite store without any of these
/// a key file beside the database (<see cref="DefaultKeyFileFor"/>), generated owner-only (0600) on first use.
/// Stores without files (<see cref="Storage.InMemory.InMemoryVectorStore"/>) hold nothing at rest and stay plain unless
/// a key is given; other connectors need a key to be encrypted (the engine logs a warning otherwise).</para>
/// <para>Only a key file can be rotated while servers run (<c>encryption rotate</c>); see docs/security.md.</para>
/// </remarks>
public sealed class EncryptionOptions
{
    /// <summary>The ending of the default key file's name: "memory.db" gets "memory.keys.json" beside it.</summary>
    public const string KeyFileSuffix = ".keys.json";

    /// <summary>
    /// Whether new writes are encrypted. Default true. When false, memories are written in plaintext, but encrypted
    /// ones can still be read when their key is available (configured, or the key file exists).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The key, base64 of 32 random bytes (<c>openssl rand -base64 32</c>), for example from the environment
    /// (<c>KMP_ENCRYPTION_KEY</c> on the server). Takes precedence over <see cref="KeyFile"/>. Keep it out of files that
    /// are backed up with the data.
    /// </summary>
    public string? Key { get; set; }

    /// <summary>
    /// Older keys (base64) that are still accepted for reading but never used to write, while
    /// <c>encryption rotate</c> re-encrypts what they sealed. Only with <see cref="Key"/>.
    /// </summary>
    public IList<string> PreviousKeys { get; set; } = [];

    /// <summary>
    /// The key ring file (JSON, owner-only). Default null: beside the SQLite database (<see cref="DefaultKeyFileFor"/>).
    /// Created with a new key when missing and <see cref="Enabled"/> is true. Put it outside the data folder so that a
    /// copy of the folder does not carry the key with it.
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>
    /// How often a running engine looks whether the key file changed (a rotation added a key or retired one). Default
    /// 1 second; a memory sealed with a key it does not know makes it look at once.
    /// </summary>
    public TimeSpan KeyRingRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A key ring to use as is (tests, custom key management); takes precedence over every other setting.</summary>
    public MemoryKeyRing? KeyRing { get; set; }

    /// <summary>The default key file of a database file: same folder, same base name, "<see cref="KeyFileSuffix"/>".</summary>
    /// <param name="databasePath">The database file.</param>
    /// <returns>The full path of the key file.</returns>
    public static string DefaultKeyFileFor(string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var full = Path.GetFullPath(databasePath);
        return Path.Combine(Path.GetDirectoryName(full)!, Path.GetFileNameWithoutExtension(full) + KeyFileSuffix);
    }

    internal void Validate()
    {
        if (Key is not null && !MemoryKeyRing.TryDecodeKey(Key, out _))
        {
            throw new InvalidOperationException("KernelMemoryPlus setting 'Encryption:Key' must be base64 of exactly 32 bytes (for example the output of 'openssl rand -base64 32').");
        }

        for (int i = 0; i < PreviousKeys.Count; i++)
        {
            if (!MemoryKeyRing.TryDecodeKey(PreviousKeys[i], out _))
            {
                throw new InvalidOperationException($"KernelMemoryPlus setting 'Encryption:PreviousKeys:{i}' must be base64 of exactly 32 bytes.");
            }
        }

        if (PreviousKeys.Count > 0 && Key is null)
        {
            throw new InvalidOperationException("KernelMemoryPlus setting 'Encryption:PreviousKeys' needs 'Encryption:Key' (the key new writes use); a key file keeps its own older keys.");
        }

        if (Key is not null && KeyFile is not null)
        {
            throw new InvalidOperationException("KernelMemoryPlus settings 'Encryption:Key' and 'Encryption:KeyFile' are both set; set one of them.");
        }

        if (KeyRingRefreshInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("KernelMemoryPlus setting 'Encryption:KeyRingRefreshInterval' must be positive.");
        }
    }
}
