using System.ComponentModel;
using System.Text;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Semantic Kernel functions for associative memory: links between memories.</summary>
/// <param name="memory">The agent memory (in process or remote).</param>
public sealed class AssociativeMemoryPlugin(IAgentMemory memory)
{
    /// <summary>Links two memories.</summary>
    [KernelFunction("link_memories"), Description("Link two memories with a typed relation such as 'caused_by' or 'related_to'.")]
    public Task<string> LinkAsync(
        [Description("Id of the first memory.")] string fromId,
        [Description("Id of the second memory.")] string toId,
        [Description("The relation, e.g. 'related_to', 'caused_by', 'part_of'.")] string relation = "related_to",
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () => $"Linked ({(await memory.LinkAsync(new NewLink { FromId = fromId, ToId = toId, Type = relation }, cancellationToken)).Id}).");

    /// <summary>Explores associations of a memory.</summary>
    [KernelFunction("explore_associations"), Description("List memories associated with a memory through links, strongest first.")]
    public Task<string> ExploreAsync(
        [Description("The memory id to start from.")] string id,
        [Description("How many links away to look (1-4).")] int depth = 2,
        CancellationToken cancellationToken = default) =>
        MemoryText.GuardAsync(async () =>
        {
            var found = await memory.ExploreAsync(id, depth, cancellationToken: cancellationToken);
            if (found.Count == 0)
            {
                return "No associated memories.";
            }

            var builder = new StringBuilder(MemoryText.Preamble).AppendLine();
            foreach (var a in found)
            {
                builder.AppendLine($"- [{a.Memory.Id}] ({a.Activation:0.00}, {a.LinkType}, {a.Hops} hop(s)) {MemoryText.Quote(a.Memory)}");
            }

            return builder.ToString();
        });
}
