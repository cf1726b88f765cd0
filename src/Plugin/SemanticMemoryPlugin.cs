using System.ComponentModel;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Semantic Kernel functions for semantic memory: facts about entities.</summary>
/// <param name="memory">The agent memory (in process or remote).</param>
/// <param name="ns">The namespace the plugin reads and writes.</param>
public sealed class SemanticMemoryPlugin(IAgentMemory memory, string ns)
{
    /// <summary>Stores a fact, replacing the previous value of the same attribute.</summary>
    [KernelFunction("remember_fact"), Description("Store a fact as subject, predicate, object (e.g. 'Alice', 'lives in', 'Lyon'). A new value replaces the old one, which stays in history.")]
    public Task<string> RememberFactAsync(
        [Description("Who or what the fact is about.")] string subject,
        [Description("The attribute or relation, e.g. 'lives in', 'prefers'.")] string predicate,
        [Description("The value.")] string value,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () =>
        {
            var result = await memory.AddFactAsync(new NewFact { Namespace = ns, Subject = subject, Predicate = predicate, Object = value }, cancellationToken);
            return result.Superseded.Count == 0
                ? $"Stored {result.Fact.Id}."
                : $"Stored {result.Fact.Id}; it replaces {string.Join(", ", result.Superseded.Select(s => MemoryText.Quote(s)))}.";
        });

    /// <summary>The current facts about a subject.</summary>
    [KernelFunction("get_facts"), Description("List what is currently known about a subject.")]
    public Task<string> GetFactsAsync(
        [Description("Who or what to look up.")] string subject,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => MemoryText.Format(await memory.GetFactsAsync(ns, subject, cancellationToken)));

    /// <summary>Recalls facts relevant to a question.</summary>
    [KernelFunction("recall_facts"), Description("Find facts relevant to a question.")]
    public Task<string> RecallFactsAsync(
        [Description("What to look for, in natural language.")] string query,
        [Description("How many facts to return (1-50).")] int limit = 5,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => MemoryText.Format(await memory.RecallAsync(new RecallQuery
        {
            Namespace = ns,
            Text = query,
            Limit = limit,
            Filter = new MemoryFilter { Kinds = [MemoryKind.Semantic] },
        }, cancellationToken)));
}
