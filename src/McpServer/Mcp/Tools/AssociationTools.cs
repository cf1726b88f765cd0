using System.ComponentModel;
using System.Globalization;
using System.Text;
using KernelMemoryPlus.Server.Mcp.Contracts;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp.Tools;

/// <summary>Associative memory tools: link, unlink, explore.</summary>
[McpServerToolType]
internal sealed class AssociationTools(AssociativeMemory associative)
{
    [McpServerTool(Name = "link", Title = "Link two memories", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(LinkItem))]
    [Description("Links two memories with a typed, weighted association (or updates the link of that type between them). Linked memories are found together by explore and by recall.")]
    public async Task<CallToolResult> LinkAsync(
        [Description("The source memory id.")] string fromId,
        [Description("The target memory id.")] string toId,
        [Description("The relation, lower snake case, e.g. related_to (default), causes, part_of, follows.")] string type = "related_to",
        [Description("Strength from 0 to 1 (default 0.5).")] double weight = 0.5,
        [Description("Whether the link can be followed from the target back to the source too.")] bool bidirectional = false,
        CancellationToken cancellationToken = default)
    {
        var link = await associative.LinkAsync(fromId, toId, type, weight, bidirectional, cancellationToken: cancellationToken);
        return ToolText.Result(
            $"Linked {link.FromId} -[{link.Type} {ToolText.Number(link.Weight)}]-> {link.ToId}{(link.Bidirectional ? " (both ways)" : string.Empty)}.",
            LinkItem.From(link));
    }

    [McpServerTool(Name = "unlink", Title = "Unlink two memories", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(UnlinkResult))]
    [Description("Removes the links from one memory to another: of one type, or of every type when type is omitted.")]
    public async Task<CallToolResult> UnlinkAsync(
        [Description("The source memory id.")] string fromId,
        [Description("The target memory id.")] string toId,
        [Description("Only links of this type; omit for all.")] string? type = null,
        CancellationToken cancellationToken = default)
    {
        int removed = await associative.UnlinkAsync(fromId, toId, type, cancellationToken);
        return ToolText.Result(string.Create(CultureInfo.InvariantCulture, $"Removed {ToolText.Count(removed, "link", "links")} from {fromId} to {toId}."), new UnlinkResult(removed));
    }

    [McpServerTool(Name = "explore", Title = "Explore associations", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(ExploreResult))]
    [Description("Finds the memories associated with one memory by following its links (spreading activation: strong, recently used links reach further), strongest first.")]
    public async Task<CallToolResult> ExploreAsync(
        [Description("The starting memory id.")] string id,
        [Description("How many link hops, 1 to 4 (default 2).")] int depth = 2,
        [Description("Ignore associations weaker than this, 0 to 1 (default 0.05).")] double minActivation = 0.05,
        [Description("Most results (default 25).")] int limit = 25,
        CancellationToken cancellationToken = default)
    {
        var found = await associative.ExploreAsync(id, depth, minActivation, limit, cancellationToken);
        var text = new StringBuilder();
        if (found.Count == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"Memory {id} has no associations within {depth} hops.");
        }
        else
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{ToolText.Count(found.Count, "memory", "memories")} associated with {id}, strongest first.").AppendLine(ToolText.Preamble);
            foreach (var a in found)
            {
                ToolText.Line(text, a.Memory, string.Create(CultureInfo.InvariantCulture, $"activation {ToolText.Number(a.Activation)}, {ToolText.Count(a.Hops, "hop", "hops")} via {a.LinkType} from {a.ViaId}"));
            }
        }

        return ToolText.Result(
            text.ToString().TrimEnd(),
            new ExploreResult(id, found.Select(a => new AssociationItem(a.Activation, a.Hops, a.LinkType, a.ViaId, MemoryItem.From(a.Memory))).ToList()));
    }
}
