namespace KernelMemoryPlus.Plugin;

/// <summary>Where an agent's memory lives.</summary>
public enum AgentMemoryMode
{
    /// <summary>The engine in this process (<see cref="InProcessAgentMemory"/>); needs <c>services.AddKernelMemoryPlus()</c>.</summary>
    InProcess = 0,

    /// <summary>A KernelMemoryPlus server over its REST API (<see cref="RestAgentMemory"/>).</summary>
    Rest = 1,

    /// <summary>A KernelMemoryPlus server over MCP Streamable HTTP (<see cref="McpAgentMemory"/>).</summary>
    Mcp = 2,
}
