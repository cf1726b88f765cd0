using System.ComponentModel;
using System.Diagnostics;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Server.Api;

/// <summary><c>/api/v1/admin</c>: statistics and maintenance.</summary>
internal static class AdminApi
{
    /// <summary>Maps the admin endpoints.</summary>
    public static RouteGroupBuilder MapAdmin(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/admin").WithTags("Admin");

        group.MapGet("/stats", GetStatsAsync)
            .WithName("GetStats")
            .WithSummary("Count what the store or a namespace holds")
            .WithDescription("Answers the number of namespaces, memories (per kind), links and memories no longer valid, the last change sequence number, the embedding model and the store.")
            .ProducesValidationProblem();

        group.MapPost("/reindex", ReindexAsync)
            .WithName("Reindex")
            .WithSummary("Rebuild hot indexes from the store")
            .WithDescription(
                "Writes pending access statistics, drops the in-memory index of a namespace (or of every namespace) and loads it again from the " +
                "store, and answers the counts and the time taken. Memories are not re-embedded. Reads and writes go on meanwhile.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/compact", CompactAsync)
            .WithName("Compact")
            .WithSummary("Write pending statistics and compact the store")
            .WithDescription(
                "Writes pending access statistics and link strengths to the store, then compacts the SQLite file (merges full-text index " +
                "segments, vacuums, truncates the write-ahead log) and reports the file sizes after. Writes wait while it runs.");

        group.MapGet("/audit", ReadAudit)
            .WithName("ReadAudit")
            .WithSummary("Read the audit log")
            .WithDescription(
                "Answers audit entries after a sequence number, oldest first: who (principal), what (action), which memory, when and the outcome, " +
                "refused attempts included. Each entry carries the hash of the one before it; 'dotnet run --project src/McpServer -- audit verify' checks the chain.")
            .ProducesValidationProblem();

        return group;
    }

    private static Results<Ok<IReadOnlyList<Security.AuditEntry>>, ValidationProblem> ReadAudit(
        Security.AuditLog audit,
        [Description("Entries after this sequence number (default 0: from the start).")] long since = 0,
        [Description("Most entries to answer (1 to 1000, default 100).")] int limit = 100)
    {
        if (since < 0 || limit is < 1 or > 1000)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                [since < 0 ? "since" : "limit"] = [since < 0 ? "since must be 0 or more." : "limit must be between 1 and 1000."],
            });
        }

        return TypedResults.Ok(audit.Read(since, limit));
    }

    private static async Task<Ok<MemoryStats>> GetStatsAsync(
        [Description("Count only this namespace; omit for the whole store.")] string? @namespace,
        MemoryEngine engine,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await engine.GetStatsAsync(string.IsNullOrEmpty(@namespace) ? null : @namespace, cancellationToken));

    private static async Task<Results<Ok<ReindexResponse>, ProblemHttpResult>> ReindexAsync(
        [Description("The namespace to rebuild; omit to rebuild every namespace.")] string? @namespace,
        MemoryEngine engine,
        CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        var known = await engine.ListNamespacesAsync(cancellationToken);
        IReadOnlyList<string> names = known;
        if (!string.IsNullOrEmpty(@namespace))
        {
            // The engine validates the name (400) before anything else is looked at.
            await engine.UnloadNamespaceAsync(@namespace, cancellationToken);
            if (!known.Contains(@namespace, StringComparer.Ordinal))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Not found.",
                    detail: $"No namespace '{@namespace}' holds or held memories.",
                    extensions: new Dictionary<string, object?> { ["namespace"] = @namespace });
            }

            names = [@namespace];
        }

        var rebuilt = new List<ReindexedNamespace>(names.Count);
        foreach (var name in names)
        {
            await engine.UnloadNamespaceAsync(name, cancellationToken);
            var stats = await engine.GetStatsAsync(name, cancellationToken);
            rebuilt.Add(new ReindexedNamespace(name, stats.Memories, stats.Links));
        }

        return TypedResults.Ok(new ReindexResponse(rebuilt, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds));
    }

    private static async Task<Ok<CompactResponse>> CompactAsync(MemoryEngine engine, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        bool compacted = await engine.CompactAsync(cancellationToken);
        var store = engine.Store;
        string system = store.GetService(typeof(VectorStoreMetadata)) is VectorStoreMetadata { VectorStoreSystemName: { } name } ? name : "unknown";
        long? database = null, log = null;
        string detail;
        if (store is SqliteVectorStore sqlite)
        {
            database = SizeOf(sqlite.FilePath);
            log = SizeOf(sqlite.FilePath + "-wal");
            detail = "Pending access statistics were written and the SQLite file was compacted.";
        }
        else
        {
            detail = "Pending access statistics were written. This store has no files to compact.";
        }

        return TypedResults.Ok(new CompactResponse
        {
            Store = system,
            Flushed = true,
            Compacted = compacted,
            Detail = detail,
            DatabaseBytes = database,
            WriteAheadLogBytes = log,
            ElapsedMilliseconds = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        });
    }

    private static long? SizeOf(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : null;
    }
}
