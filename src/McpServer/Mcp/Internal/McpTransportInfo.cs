namespace KernelMemoryPlus.Server.Mcp.Internal;

/// <summary>Which transport the MCP server runs on (registered by the host that sets the transport up).</summary>
/// <param name="IsHttp">
/// True for Streamable HTTP, where only a request of a session (one with an Mcp-Session-Id) has a channel for later,
/// unsolicited notifications; false for stdio, whose single connection always has one.
/// </param>
internal sealed record McpTransportInfo(bool IsHttp);
