using System.ComponentModel;
using System.Text.RegularExpressions;
using KernelMemoryPlus.Embeddings;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Api;

/// <remarks>
/// Batches: the door checks each item's shape, then the engine validates every item and commits creates, updates and
/// deletes in one transaction (<see cref="MemoryEngine.ApplyBatchAsync"/>) — all of them or none.
/// </remarks>
internal static partial class MemoriesApi
{
    private const string NotApplied = "Not applied: another item of the batch failed.";

    private static async Task<Results<Ok<BatchResponse>, JsonHttpResult<BatchResponse>, ValidationProblem, ProblemHttpResult>> BatchAsync(
        [FromBody, Description("The writes: creates, updates and deletes, committed together or not at all.")] BatchRequest body,
        MemoryEngine engine,
        IOptions<ApiSettings> settings,
        CancellationToken cancellationToken)
    {
        if (body.Items is not { } items)
        {
            throw new MemoryValidationException("items", "The batch needs an 'items' array.");
        }

        int max = settings.Value.MaxBatchItems;
        if (items.Count > max)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status413PayloadTooLarge,
                title: "The batch is too large.",
                detail: $"The batch holds {items.Count} items; at most {max} are allowed (setting {ApiSettings.SectionName}:MaxBatchItems). Split it into smaller batches.",
                extensions: new Dictionary<string, object?> { ["maxBatchItems"] = max });
        }

        var failures = new BatchItemResult?[items.Count];
        CheckShape(items, failures);
        if (failures.Any(f => f is not null))
        {
            return Rejected(items, failures);
        }

        var writes = items.Select(item => item!.Op switch
        {
            BatchOperation.Create => (MemoryWrite)new MemoryWrite.Create(item.Memory!.ToNewMemory()),
            BatchOperation.Update => new MemoryWrite.Update(item.Id!, item.Changes!, item.ExpectedVersion),
            _ => new MemoryWrite.Delete(item.Id!, item.ExpectedVersion),
        }).ToList();

        IReadOnlyList<MemoryWriteResult> applied;
        try
        {
            applied = await engine.ApplyBatchAsync(writes, cancellationToken);
        }
        catch (MemoryBatchException ex)
        {
            foreach (var error in ex.Errors)
            {
                failures[error.Index] = Failure(error.Index, items[error.Index]!, error.Error);
            }

            return Rejected(items, failures);
        }

        var results = applied.Select(r => new BatchItemResult
        {
            Index = r.Index,
            Op = items[r.Index]!.Op,
            Status = r.Operation switch
            {
                ChangeOperation.Created => StatusCodes.Status201Created,
                ChangeOperation.Deleted => StatusCodes.Status204NoContent,
                _ => StatusCodes.Status200OK,
            },
            Id = r.Id,
            Version = r.Memory?.Version,
        }).ToArray();
        return TypedResults.Ok(new BatchResponse { Complete = true, Results = results });
    }

    /// <summary>Checks what the door alone can: each item has an operation and what that operation needs, and no memory is changed twice.</summary>
    private static void CheckShape(IReadOnlyList<BatchItem?> items, BatchItemResult?[] failures)
    {
        var changed = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < items.Count; i++)
        {
            var item = items[i];
            string? problem = null, field = null;
            if (item is null)
            {
                (field, problem) = ($"items[{i}]", "The item is null.");
            }
            else if (item.Op is not { } op || !Enum.IsDefined(op))
            {
                (field, problem) = ($"items[{i}].op", $"The operation is required: one of {string.Join(", ", Enum.GetNames<BatchOperation>())}.");
            }
            else if (op == BatchOperation.Create && item.Memory is null)
            {
                (field, problem) = ($"items[{i}].memory", "A Create item needs the memory to store.");
            }
            else if (op != BatchOperation.Create && string.IsNullOrEmpty(item.Id))
            {
                (field, problem) = ($"items[{i}].id", $"An {op} item needs the id of the memory.");
            }
            else if (op == BatchOperation.Update && item.Changes is null)
            {
                (field, problem) = ($"items[{i}].changes", "An Update item needs the changes to make.");
            }
            else if (op != BatchOperation.Create && changed.TryGetValue(item.Id!, out int earlier))
            {
                (field, problem) = ($"items[{i}].id", $"items[{earlier}] already changes this memory; a batch may change a memory once.");
            }
            else if (op != BatchOperation.Create)
            {
                changed[item.Id!] = i;
            }

            if (problem is not null)
            {
                failures[i] = Failed(i, item?.Op, item?.Id, StatusCodes.Status400BadRequest, problem, field);
            }
        }
    }

    private static BatchItemResult Failure(int index, BatchItem item, Exception exception) => exception switch
    {
        MemoryValidationException ex => Failed(index, item.Op, item.Id, StatusCodes.Status400BadRequest, ex.Message, ItemField(index, item.Op, ex.Field)),
        EmbeddingMismatchException ex => Failed(index, item.Op, item.Id, StatusCodes.Status400BadRequest, ex.Message, $"items[{index}].memory.embedding"),
        MemoryNotFoundException ex => Failed(index, item.Op, item.Id, StatusCodes.Status404NotFound, ex.Message, $"items[{index}].id"),
        VersionConflictException ex => Failed(index, item.Op, item.Id, StatusCodes.Status409Conflict, ex.Message, $"items[{index}].expectedVersion") with { CurrentVersion = ex.CurrentVersion },
        EmbeddingServiceException ex => Failed(index, item.Op, item.Id, StatusCodes.Status503ServiceUnavailable, ex.Message),
        _ => Failed(index, item.Op, item.Id, StatusCodes.Status500InternalServerError, $"The store failed ({exception.GetType().Name}); nothing was applied."),
    };

    private static BatchItemResult Failed(int index, BatchOperation? op, string? id, int status, string error, string? field = null) =>
        new() { Index = index, Op = op, Status = status, Id = id, Error = error, Field = field };

    /// <summary>Nothing was written: a problem with every item's result (424 for the items that were fine).</summary>
    private static Results<Ok<BatchResponse>, JsonHttpResult<BatchResponse>, ValidationProblem, ProblemHttpResult> Rejected(IReadOnlyList<BatchItem?> items, BatchItemResult?[] failures)
    {
        var results = new BatchItemResult[items.Count];
        for (int i = 0; i < items.Count; i++)
        {
            results[i] = failures[i] ?? Failed(i, items[i]?.Op, items[i]?.Id, StatusCodes.Status424FailedDependency, NotApplied);
        }

        var extensions = new Dictionary<string, object?> { ["results"] = results };
        var failed = failures.OfType<BatchItemResult>().ToList();
        if (failed.Any(f => f.Status == StatusCodes.Status400BadRequest))
        {
            var errors = failed.Where(f => f.Status == StatusCodes.Status400BadRequest)
                .GroupBy(f => f.Field ?? $"items[{f.Index}]", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(f => f.Error!).ToArray(), StringComparer.Ordinal);
            return TypedResults.ValidationProblem(errors, detail: "No item was written: fix the items named in errors and send the batch again.", title: "The batch is invalid.", extensions: extensions);
        }

        bool conflict = failed.Any(f => f.Status == StatusCodes.Status409Conflict);
        return TypedResults.Problem(
            statusCode: conflict ? StatusCodes.Status409Conflict : StatusCodes.Status404NotFound,
            title: conflict ? "A memory of the batch changed since it was read." : "A memory of the batch does not exist.",
            detail: "No item was written; see results for the items that failed.",
            extensions: extensions);
    }

    /// <summary>
    /// The engine names a field of item i as "items[i].content"; the request has it under "memory" for a create and
    /// under "changes" for an update.
    /// </summary>
    private static string ItemField(int index, BatchOperation? op, string field)
    {
        var match = EngineItemField().Match(field);
        var rest = match.Success ? match.Groups["rest"].Value : field;
        if (rest is "id" or "")
        {
            return $"items[{index}]{(rest.Length == 0 ? string.Empty : ".id")}";
        }

        return op switch
        {
            BatchOperation.Create => $"items[{index}].memory.{rest}",
            BatchOperation.Update => $"items[{index}].changes.{rest}",
            _ => $"items[{index}].{rest}",
        };
    }

    [GeneratedRegex(@"^items\[(?<k>\d+)\]\.?(?<rest>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex EngineItemField();
}
