namespace KernelMemoryPlus.Server.Api;

/// <summary>The outcome of <c>POST /api/v1/admin/compact</c>.</summary>
public sealed record CompactResponse
{
    /// <summary>The store's system name ("kmp-sqlite", "kmp-inmemory", ...).</summary>
    public required string Store { get; init; }

    /// <summary>True: pending access statistics and link strengths were written to the store.</summary>
    public required bool Flushed { get; init; }

    /// <summary>Whether the store's files were compacted (checkpoint and vacuum).</summary>
    public required bool Compacted { get; init; }

    /// <summary>What was done, and what was not and why.</summary>
    public required string Detail { get; init; }

    /// <summary>Size of the database file in bytes, for a file store.</summary>
    public long? DatabaseBytes { get; init; }

    /// <summary>Size of the write-ahead log in bytes, for a SQLite store.</summary>
    public long? WriteAheadLogBytes { get; init; }

    /// <summary>How long the operation took.</summary>
    public required long ElapsedMilliseconds { get; init; }
}
