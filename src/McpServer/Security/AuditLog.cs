using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// The append-only audit log: one JSON line per recorded request (who, what, which memory, when, outcome — refused
/// attempts included) in <c>audit.jsonl</c> in the data folder. Each entry carries the SHA-256 of the previous entry
/// and its own, so changing, removing or reordering any line breaks the chain, which <see cref="Verify"/> finds.
/// </summary>
/// <remarks>
/// The chain shows tampering; it cannot stop someone with write access to the folder from rewriting the whole file
/// consistently. Ship the log (or its last hash) elsewhere for that. Entries hold no memory contents or secrets.
/// </remarks>
public sealed class AuditLog : IDisposable
{
    /// <summary>The hash before the first entry.</summary>
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private FileStream? _stream;
    private long _sequence;
    private string _lastHash = GenesisHash;
    private bool _opened;

    /// <summary>Creates the log over <paramref name="path"/> (opened on the first append).</summary>
    public AuditLog(string path, TimeProvider? time = null)
    {
        Path = path;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Appends an entry and returns it with its sequence number and hashes.</summary>
    public AuditEntry Append(string principal, string action, string? target, string outcome)
    {
        lock (_sync)
        {
            Open();
            var entry = new AuditEntry(_sequence + 1, _time.GetUtcNow(), principal, action, target, outcome, _lastHash, string.Empty);
            entry = entry with { Hash = HashOf(entry) };
            var line = JsonSerializer.SerializeToUtf8Bytes(entry, AuditJson.Default.AuditEntry);
            _stream!.Write(line);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
            _sequence = entry.Sequence;
            _lastHash = entry.Hash;
            return entry;
        }
    }

    /// <summary>Entries after <paramref name="since"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<AuditEntry> Read(long since, int limit)
    {
        lock (_sync)
        {
            _stream?.Flush();
            return ReadAll(Path).Where(e => e.Entry is not null && e.Entry.Sequence > since).Take(limit).Select(e => e.Entry!).ToList();
        }
    }

    /// <summary>Checks the whole chain.</summary>
    /// <returns>The number of entries and, when the chain is broken, the first bad line and why.</returns>
    public static AuditVerification Verify(string path)
    {
        string previous = GenesisHash;
        long expected = 1;
        int line = 0;
        foreach (var (number, entry, error) in ReadAll(path))
        {
            line = number;
            if (entry is null)
            {
                return new AuditVerification(expected - 1, number, error ?? "not a valid entry");
            }

            if (entry.Sequence != expected)
            {
                return new AuditVerification(expected - 1, number, $"sequence {entry.Sequence} where {expected} was expected (a line was removed or reordered)");
            }

            if (entry.PreviousHash != previous)
            {
                return new AuditVerification(expected - 1, number, "it does not follow the entry before it (previous hash differs)");
            }

            if (HashOf(entry) != entry.Hash)
            {
                return new AuditVerification(expected - 1, number, "its content does not match its hash (the line was changed)");
            }

            previous = entry.Hash;
            expected++;
        }

        return new AuditVerification(expected - 1, null, null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_sync)
        {
            _stream?.Dispose();
            _stream = null;
        }
    }

    private static string HashOf(AuditEntry entry)
    {
        var unsigned = JsonSerializer.SerializeToUtf8Bytes(entry with { Hash = string.Empty }, AuditJson.Default.AuditEntry);
        return Convert.ToHexStringLower(SHA256.HashData(unsigned));
    }

    private static IEnumerable<(int Line, AuditEntry? Entry, string? Error)> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        using var reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite), Encoding.UTF8);
        int number = 0;
        while (reader.ReadLine() is { } text)
        {
            number++;
            AuditEntry? entry = null;
            string? error = null;
            try
            {
                entry = JsonSerializer.Deserialize(text, AuditJson.Default.AuditEntry);
            }
            catch (JsonException ex)
            {
                error = $"not valid JSON ({ex.Message})";
            }

            yield return (number, entry, error);
        }
    }

    private void Open()
    {
        if (_opened)
        {
            return;
        }

        // Continue the chain from the last entry on disk.
        foreach (var (_, entry, _) in ReadAll(Path))
        {
            if (entry is not null)
            {
                _sequence = entry.Sequence;
                _lastHash = entry.Hash;
            }
        }

        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _opened = true;
    }
}

/// <summary>One audit entry.</summary>
/// <param name="Sequence">Its position in the log, from 1.</param>
/// <param name="At">When.</param>
/// <param name="Principal">Who ("anonymous" for unauthenticated loopback clients, "?" when refused before knowing).</param>
/// <param name="Action">What: "POST /api/v1/memories", "mcp tools/call remember", ...</param>
/// <param name="Target">Which memory, namespace or key, when known.</param>
/// <param name="Outcome">The HTTP status ("201", "401", "403", "429"...).</param>
/// <param name="PreviousHash">The hash of the entry before.</param>
/// <param name="Hash">SHA-256 of this entry (with an empty hash field), lower-case hex.</param>
public sealed record AuditEntry(long Sequence, DateTimeOffset At, string Principal, string Action, string? Target, string Outcome, string PreviousHash, string Hash);

/// <summary>The result of <see cref="AuditLog.Verify"/>.</summary>
/// <param name="Entries">Entries verified before the first problem (all of them when intact).</param>
/// <param name="BrokenLine">The first bad line, or null when the chain is intact.</param>
/// <param name="Problem">Why it is bad.</param>
public sealed record AuditVerification(long Entries, int? BrokenLine, string? Problem)
{
    /// <summary>True when every entry is in place and unchanged.</summary>
    public bool IsIntact => BrokenLine is null;
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(AuditEntry))]
internal sealed partial class AuditJson : JsonSerializerContext;
