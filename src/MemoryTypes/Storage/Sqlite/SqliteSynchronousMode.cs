namespace KernelMemoryPlus.Storage.Sqlite;

/// <summary>How hard SQLite works to make a commit durable (<c>PRAGMA synchronous</c>).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// <c>synchronous=NORMAL</c>: with the WAL journal a commit is atomic and consistent, and survives an application
    /// crash; a power loss may roll back the last few commits. The default, and several times faster than Full.
    /// </summary>
    Normal = 0,

    /// <summary><c>synchronous=FULL</c>: every commit is flushed to disk before it returns, so it survives a power loss.</summary>
    Full = 1,
}
