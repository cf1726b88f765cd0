using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// The server's API keys, kept in a JSON file in the data folder with only a SHA-256 hash of each secret: a key is
/// shown once, when it is created, and cannot be read back. The running server notices keys created or revoked by
/// the CLI within a second, without a restart.
/// </summary>
/// <remarks>
/// A key reads <c>kmp_{id}_{secret}</c>: the id (12 hex digits) finds the entry, the secret (32 random bytes,
/// base64url) is compared by hash in constant time. Secrets are high-entropy random values, so one SHA-256 is enough;
/// a slow password hash would only slow down every request.
/// </remarks>
public sealed class ApiKeyStore
{
    /// <summary>The prefix of every key.</summary>
    public const string Prefix = "kmp_";

    /// <summary>The roles a key can have.</summary>
    public static readonly IReadOnlyList<string> Roles = ["agent", "user", "admin"];

    private static readonly TimeSpan RecheckInterval = TimeSpan.FromSeconds(1);
    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private KeyFile _keys = new();
    private DateTime _loadedWriteTime = DateTime.MinValue;
    private long _nextCheck;

    /// <summary>Opens (without creating) the key file at <paramref name="path"/>.</summary>
    public ApiKeyStore(string path, TimeProvider? time = null)
    {
        Path = path;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The key file.</summary>
    public string Path { get; }

    /// <summary>True when at least one key is active.</summary>
    public bool HasActiveKeys => Current().Keys.Any(k => k.RevokedUtc is null);

    /// <summary>Creates a key for a principal and saves it.</summary>
    /// <returns>The entry and the full key (shown once).</returns>
    public (ApiKeyEntry Entry, string Key) Create(string principal, string role, IReadOnlyList<string>? groups = null)
    {
        principal = CheckPrincipal(principal);
        var checkedGroups = groups is null or { Count: 0 } ? null : groups.Select(CheckPrincipal).Distinct(StringComparer.Ordinal).ToList();
        if (!Roles.Contains(role, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The role must be one of {string.Join(", ", Roles)} (got '{role}').", nameof(role));
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        var entry = new ApiKeyEntry(id, principal, role, Hash(secret), _time.GetUtcNow(), null, checkedGroups);
        Update(keys => keys.Keys.Add(entry));
        return (entry, $"{Prefix}{id}_{secret}");
    }

    /// <summary>Every key, revoked ones included, oldest first.</summary>
    public IReadOnlyList<ApiKeyEntry> List() => Current().Keys.OrderBy(k => k.CreatedUtc).ToList();

    /// <summary>Revokes a key by id.</summary>
    /// <returns>False when no active key has that id.</returns>
    public bool Revoke(string id)
    {
        bool revoked = false;
        Update(keys =>
        {
            int at = keys.Keys.FindIndex(k => k.Id == id && k.RevokedUtc is null);
            if (at >= 0)
            {
                keys.Keys[at] = keys.Keys[at] with { RevokedUtc = _time.GetUtcNow() };
                revoked = true;
            }
        });
        return revoked;
    }

    /// <summary>The active key entry a presented key belongs to, or null.</summary>
    public ApiKeyEntry? Validate(string? presented)
    {
        if (presented is null || !presented.StartsWith(Prefix, StringComparison.Ordinal) || presented.Length > 128)
        {
            return null;
        }

        int split = presented.IndexOf('_', Prefix.Length);
        if (split < 0)
        {
            return null;
        }

        var id = presented[Prefix.Length..split];
        var secret = presented[(split + 1)..];
        var entry = Current().Keys.FirstOrDefault(k => k.Id == id && k.RevokedUtc is null);
        if (entry is null)
        {
            return null;
        }

        var expected = Convert.FromHexString(entry.SecretSha256);
        return CryptographicOperations.FixedTimeEquals(expected, SHA256.HashData(Encoding.UTF8.GetBytes(secret))) ? entry : null;
    }

    private static string CheckPrincipal(string principal)
    {
        var trimmed = principal?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 128 || trimmed.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw new ArgumentException("The principal must be 1 to 128 characters without spaces or control characters.", nameof(principal));
        }

        return trimmed;
    }

    private static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private KeyFile Current()
    {
        long now = _time.GetTimestamp();
        if (now < Interlocked.Read(ref _nextCheck))
        {
            return _keys;
        }

        lock (_sync)
        {
            Interlocked.Exchange(ref _nextCheck, now + (long)(RecheckInterval.TotalSeconds * _time.TimestampFrequency));
            var info = new FileInfo(Path);
            var writeTime = info.Exists ? info.LastWriteTimeUtc : DateTime.MinValue;
            if (writeTime != _loadedWriteTime)
            {
                _keys = Read();
                _loadedWriteTime = writeTime;
            }

            return _keys;
        }
    }

    private KeyFile Read()
    {
        if (!File.Exists(Path))
        {
            return new KeyFile();
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(Path), SecurityJson.Default.KeyFile) ?? new KeyFile();
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The API key file '{Path}' is not valid JSON: {ex.Message}", ex);
        }
    }

    private void Update(Action<KeyFile> change)
    {
        lock (_sync)
        {
            var keys = Read();
            change(keys);
            var directory = System.IO.Path.GetDirectoryName(Path)!;
            Directory.CreateDirectory(directory);
            var temporary = Path + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(keys, SecurityJson.Default.KeyFile));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, Path, overwrite: true);
            _keys = keys;
            _loadedWriteTime = new FileInfo(Path).LastWriteTimeUtc;
        }
    }

    internal sealed class KeyFile
    {
        public int Version { get; set; } = 1;

        public List<ApiKeyEntry> Keys { get; set; } = [];
    }
}

/// <summary>One API key as stored: never the secret, only its SHA-256.</summary>
/// <param name="Id">The key's public id (the part after <c>kmp_</c>).</param>
/// <param name="Principal">Who the key authenticates.</param>
/// <param name="Role">"agent", "user" or "admin".</param>
/// <param name="SecretSha256">SHA-256 of the secret, lower-case hex.</param>
/// <param name="CreatedUtc">When it was created.</param>
/// <param name="RevokedUtc">When it was revoked, or null.</param>
/// <param name="Groups">The groups the principal belongs to (grants to a group apply to it), or null.</param>
public sealed record ApiKeyEntry(string Id, string Principal, string Role, string SecretSha256, DateTimeOffset CreatedUtc, DateTimeOffset? RevokedUtc, IReadOnlyList<string>? Groups = null);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ApiKeyStore.KeyFile))]
internal sealed partial class SecurityJson : JsonSerializerContext;
