namespace KernelMemoryPlus.Server.Mcp.KnowledgeGraph;

/// <summary>A line of a JSONL memory file that could not be imported.</summary>
/// <param name="Line">The 1-based line number.</param>
/// <param name="Message">What is wrong with it.</param>
public sealed record JsonlImportError(int Line, string Message);
