namespace KernelMemoryPlus.Plugin;

/// <summary>Chooses and configures the <see cref="IAgentMemory"/> that <c>AddKernelMemoryPlusAgentMemory</c> registers.</summary>
public sealed class AgentMemoryOptions
{
    /// <summary>Gets or sets where the memory lives.</summary>
    /// <value>Default <see cref="AgentMemoryMode.InProcess"/>.</value>
    public AgentMemoryMode Mode { get; set; } = AgentMemoryMode.InProcess;

    /// <summary>Gets or sets the server's base address for <see cref="AgentMemoryMode.Rest"/> and <see cref="AgentMemoryMode.Mcp"/>.</summary>
    /// <value>Default <c>http://localhost:5080</c>, where <c>dotnet run --project src/McpServer</c> listens.</value>
    public Uri BaseUrl { get; set; } = new("http://localhost:5080");

    /// <summary>Gets or sets the path of the MCP endpoint under <see cref="BaseUrl"/>.</summary>
    /// <value>Default <c>/mcp</c>.</value>
    public string McpPath { get; set; } = "/mcp";

    /// <summary>Gets or sets an API key sent with every request in <see cref="ApiKeyHeader"/>.</summary>
    /// <value>Default none (a server without keys serves loopback clients only). The key's principal is who the server checks every call against.</value>
    /// <remarks>Never logged.</remarks>
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the header that carries <see cref="ApiKey"/>.</summary>
    /// <value>Default <c>X-Api-Key</c>.</value>
    public string ApiKeyHeader { get; set; } = "X-Api-Key";

    /// <summary>Gets or sets how long one remote call may take.</summary>
    /// <value>Default 30 seconds.</value>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Checks the settings and names the one to change.</summary>
    /// <exception cref="InvalidOperationException">A setting is invalid.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Mode))
        {
            throw new InvalidOperationException($"AgentMemoryOptions.Mode '{Mode}' is not one of InProcess, Rest, Mcp.");
        }

        if (Mode != AgentMemoryMode.InProcess && (BaseUrl is null || !BaseUrl.IsAbsoluteUri || (BaseUrl.Scheme != Uri.UriSchemeHttp && BaseUrl.Scheme != Uri.UriSchemeHttps)))
        {
            throw new InvalidOperationException("AgentMemoryOptions.BaseUrl must be an absolute http(s) address of a KernelMemoryPlus server, e.g. http://localhost:5080.");
        }

        if (Timeout <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("AgentMemoryOptions.Timeout must be positive.");
        }

        if (ApiKey is not null && string.IsNullOrWhiteSpace(ApiKeyHeader))
        {
            throw new InvalidOperationException("AgentMemoryOptions.ApiKeyHeader must name a header when ApiKey is set.");
        }

        if (Mode == AgentMemoryMode.Mcp && (string.IsNullOrWhiteSpace(McpPath) || !McpPath.StartsWith('/')))
        {
            throw new InvalidOperationException("AgentMemoryOptions.McpPath must be a path starting with '/', e.g. /mcp.");
        }
    }
}
