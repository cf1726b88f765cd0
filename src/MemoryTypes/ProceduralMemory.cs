using KernelMemoryPlus.Internal;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus;

/// <summary>
/// Procedural memory: how-tos with ordered steps, found by task similarity and ranked up or down by the outcomes
/// reported for them. Recording a procedure under an existing name makes a new version; old versions are kept.
/// </summary>
/// <param name="engine">The engine.</param>
public sealed class ProceduralMemory(MemoryEngine engine)
{
    /// <summary>Metadata key holding a procedure's version number.</summary>
    public const string VersionKey = "kmp.procedure_version";

    /// <summary>Records a procedure, or a new version of the procedure with the same name.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The procedure's name ("deploy the web app").</param>
    /// <param name="description">What task it accomplishes, in words an agent would search with.</param>
    /// <param name="steps">The ordered steps.</param>
    /// <param name="tags">Tags.</param>
    /// <param name="author">Who recorded it.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The new procedure (or version) and the version it replaced, if any.</returns>
    public async Task<FactResult> RecordAsync(string ns, string name, string description, IReadOnlyList<string> steps, IReadOnlyList<string>? tags = null, string? author = null, CancellationToken cancellationToken = default)
    {
        var procedureName = InputValidator.ShortText(name, "name", required: true)!;
        if (steps is null || steps.Count == 0)
        {
            throw new MemoryValidationException("steps", "A procedure needs at least one step.");
        }

        var key = TextAnalyzer.Normalize(procedureName);
        var (created, replaced) = await engine.RememberReplacingAsync(
            new NewMemory
            {
                Namespace = ns,
                Content = description,
                Kind = MemoryKind.Procedural,
                ProcedureName = procedureName,
                Steps = steps,
                Tags = tags,
                Author = author,
            },
            r => r.Kind == MemoryKind.Procedural && r.ProcedureName is not null && TextAnalyzer.Normalize(r.ProcedureName) == key,
            null,
            (record, old) =>
            {
                int previous = old.Select(VersionOf).DefaultIfEmpty(0).Max();
                var metadata = new Dictionary<string, string>(record.Metadata) { [VersionKey] = (previous + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
                return record with { Metadata = metadata };
            },
            null,
            cancellationToken);
        return new FactResult(created, replaced);
    }

    /// <summary>Finds procedures for a task: by similarity, then reweighted by their reported success rate.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="task">The task to accomplish.</param>
    /// <param name="limit">How many.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<RecallResult>> FindAsync(string ns, string task, int limit = 5, CancellationToken cancellationToken = default)
    {
        InputValidator.Limit(limit, engine.Options);
        var results = await engine.RecallAsync(new RecallQuery
        {
            Namespace = ns,
            Text = task,
            Limit = Math.Min(engine.Options.MaxResults, limit * 3),
            Filter = new MemoryFilter { Kinds = [MemoryKind.Procedural] },
        }, cancellationToken);
        return results
            .Select(r => r with { Score = Math.Round(r.Score * (0.6 + (0.4 * SuccessRate(r.Memory))), 6) })
            .OrderByDescending(r => r.Score)
            .ThenBy(r => r.Memory.Id, StringComparer.Ordinal)
            .Take(limit)
            .ToList();
    }

    /// <summary>Reports how using a procedure went; successes rank it higher, failures lower.</summary>
    /// <param name="id">The procedure.</param>
    /// <param name="success">Whether it worked.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The procedure with updated counts.</returns>
    public async Task<MemoryRecord> ReportOutcomeAsync(string id, bool success, CancellationToken cancellationToken = default)
    {
        var current = await engine.GetRequiredAsync(id, cancellationToken);
        if (current.Kind != MemoryKind.Procedural)
        {
            throw new MemoryValidationException("id", $"Memory '{id}' is a {current.Kind} memory, not a procedure.");
        }

        return await engine.ChangeAsync(id, null, r => success
            ? r with { SuccessCount = r.SuccessCount + 1 }
            : r with { FailureCount = r.FailureCount + 1 }, cancellationToken);
    }

    /// <summary>Every version of a procedure, oldest first.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="name">The procedure's name.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryRecord>> GetVersionsAsync(string ns, string name, CancellationToken cancellationToken = default)
    {
        var key = TextAnalyzer.Normalize(InputValidator.ShortText(name, "name", required: true)!);
        var versions = await engine.SnapshotAsync(ns, r => r.Kind == MemoryKind.Procedural && r.ProcedureName is not null && TextAnalyzer.Normalize(r.ProcedureName) == key, cancellationToken);
        return versions.OrderBy(VersionOf).ThenBy(v => v.CreatedAt).ToList();
    }

    /// <summary>The Laplace-smoothed success rate (successes + 1) / (reports + 2).</summary>
    /// <param name="procedure">The procedure.</param>
    public static double SuccessRate(MemoryRecord procedure) =>
        (procedure.SuccessCount + 1.0) / (procedure.SuccessCount + procedure.FailureCount + 2.0);

    private static int VersionOf(MemoryRecord r) =>
        r.Metadata.TryGetValue(VersionKey, out var v) && int.TryParse(v, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : 1;
}
