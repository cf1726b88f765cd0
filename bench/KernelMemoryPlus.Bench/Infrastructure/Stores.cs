using KernelMemoryPlus.Storage.InMemory;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>The stores the harness can measure.</summary>
internal enum StoreKind
{
    /// <summary>The embedded SQLite store (the engine's default), in a fresh file in a temporary folder.</summary>
    Sqlite,

    /// <summary>The in-memory store.</summary>
    InMemory,
}

/// <summary>Creates fresh stores for measured runs.</summary>
internal static class Stores
{
    /// <summary>The option values of <c>--store</c> and the stores they select.</summary>
    public static IReadOnlyList<StoreKind> Parse(string value) => value switch
    {
        "sqlite" => [StoreKind.Sqlite],
        "inmemory" => [StoreKind.InMemory],
        "both" => [StoreKind.Sqlite, StoreKind.InMemory],
        _ => throw new BenchException($"Unknown store '{value}'; use sqlite, inmemory or both."),
    };

    /// <summary>The name of a store kind in output.</summary>
    /// <param name="kind">The kind.</param>
    public static string Name(StoreKind kind) => kind == StoreKind.Sqlite ? "sqlite" : "inmemory";

    /// <summary>Opens a new, empty store. SQLite stores get their own file in <paramref name="folder"/>.</summary>
    /// <param name="kind">Which store.</param>
    /// <param name="folder">Scratch folder for database files.</param>
    /// <param name="fileName">File name (without extension) for a SQLite store.</param>
    public static VectorStore Create(StoreKind kind, ScratchFolder folder, string fileName) => kind switch
    {
        StoreKind.Sqlite => new SqliteVectorStore(new SqliteVectorStoreOptions { DataSource = Path.Combine(folder.Path, fileName + ".db") }),
        _ => new InMemoryVectorStore(),
    };

    /// <summary>Describes the settings a store kind is measured with (for reports).</summary>
    /// <param name="kind">The kind.</param>
    public static string Describe(StoreKind kind)
    {
        if (kind == StoreKind.InMemory)
        {
            return "InMemoryVectorStore (defaults)";
        }

        var defaults = new SqliteVectorStoreOptions();
        return $"SqliteVectorStore: fresh file in a temp folder, WAL, synchronous={defaults.Synchronous}, MaxReaderConnections={defaults.MaxReaderConnections}, VerifyIntegrityOnOpen={defaults.VerifyIntegrityOnOpen}";
    }
}

/// <summary>A temporary folder deleted (best effort) when disposed.</summary>
internal sealed class ScratchFolder : IDisposable
{
    /// <summary>Creates a new, empty folder under the system temp folder.</summary>
    public ScratchFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kmp-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>Size of the files in the folder, in bytes.</summary>
    public long SizeBytes() => Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);

    /// <inheritdoc />
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A failure the harness explains to the user (printed without a stack trace).</summary>
internal sealed class BenchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    public BenchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BenchException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do.</param>
    /// <param name="inner">The cause.</param>
    public BenchException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
