using System.ComponentModel;
using System.Text;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Semantic Kernel functions for procedural memory: how-tos ranked by reported outcomes.</summary>
/// <param name="memory">The agent memory (in process or remote).</param>
/// <param name="ns">The namespace the plugin reads and writes.</param>
public sealed class ProceduralMemoryPlugin(IAgentMemory memory, string ns)
{
    /// <summary>Records a procedure.</summary>
    [KernelFunction("record_procedure"), Description("Save how to do a task as ordered steps. Saving under an existing name makes a new version.")]
    public Task<string> RecordProcedureAsync(
        [Description("Short name of the procedure.")] string name,
        [Description("What task it accomplishes.")] string description,
        [Description("The steps, one per line.")] string steps,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () =>
        {
            var list = (steps ?? string.Empty).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return $"Saved {(await memory.RecordProcedureAsync(ns, name, description, list, cancellationToken)).Fact.Id}.";
        });

    /// <summary>Finds procedures for a task.</summary>
    [KernelFunction("find_procedures"), Description("Find saved procedures for a task, best first, with their steps.")]
    public Task<string> FindProceduresAsync(
        [Description("The task to accomplish.")] string task,
        [Description("How many procedures to return (1-10).")] int limit = 3,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () =>
        {
            var found = await memory.FindProceduresAsync(ns, task, limit, cancellationToken);
            if (found.Count == 0)
            {
                return "No matching procedures.";
            }

            var builder = new StringBuilder(MemoryText.Preamble).AppendLine();
            foreach (var r in found)
            {
                builder.AppendLine($"- [{r.Memory.Id}] ({r.Score:0.00}) {r.Memory.ProcedureName}: {MemoryText.Quote(r.Memory)}");
                for (int i = 0; i < r.Memory.Steps.Count; i++)
                {
                    builder.AppendLine($"    {i + 1}. {r.Memory.Steps[i].ReplaceLineEndings(" ")}");
                }
            }

            return builder.ToString();
        });

    /// <summary>Reports whether a procedure worked.</summary>
    [KernelFunction("report_outcome"), Description("Report whether following a procedure worked, so better procedures rank higher.")]
    public Task<string> ReportOutcomeAsync(
        [Description("The procedure id.")] string id,
        [Description("True if it worked.")] bool success,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () =>
        {
            var p = await memory.ReportOutcomeAsync(id, success, cancellationToken);
            return $"Recorded. {p.SuccessCount} successes, {p.FailureCount} failures.";
        });
}
