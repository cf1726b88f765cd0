namespace KernelMemoryPlus.Server.Mcp;

/// <summary>
/// Settings of the MCP door, from the "KernelMemoryPlus:Mcp" configuration section (for example the environment
/// variable <c>KernelMemoryPlus__Mcp__DefaultNamespace=team</c>).
/// </summary>
public sealed class McpDoorOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "KernelMemoryPlus:Mcp";

    /// <summary>The namespace the memory tools use when a call names none. Default "default".</summary>
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>
    /// The namespace that holds the knowledge graph of the tools compatible with the reference MCP memory server
    /// (<c>create_entities</c>, <c>read_graph</c>, ...). Default "default".
    /// </summary>
    public string GraphNamespace { get; set; } = "default";

    /// <summary>How many recent memories a namespace resource lists. Default 50.</summary>
    public int NamespaceResourceLimit { get; set; } = 50;

    /// <summary>
    /// Host names (without port) accepted in the Host header of /mcp requests that arrive on a loopback address, besides
    /// localhost, 127.0.0.1 and [::1]. Requests naming another host are refused with 403 to stop DNS rebinding.
    /// When the server listens on a non-loopback address, the Host header is checked only if this list is not empty.
    /// </summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>
    /// Origins (for example "https://app.example.com") accepted in the Origin header of /mcp requests, besides
    /// loopback origins. Browser requests from any other origin are refused with 403. Requests without an Origin
    /// header (non-browser clients) are not affected.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}
