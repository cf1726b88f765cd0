using KernelMemoryPlus.Plugin;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the <see cref="IAgentMemory"/> that plugins and the context provider use.</summary>
public static class AgentMemoryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IAgentMemory"/> as chosen by <see cref="AgentMemoryOptions.Mode"/>: the engine in process
    /// (also call <c>AddKernelMemoryPlus()</c>), a server's REST API, or its MCP endpoint. The options are validated
    /// when the memory is first resolved. An <see cref="IAgentMemory"/> registered before is kept.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddKernelMemoryPlusAgentMemory(this IServiceCollection services, Action<AgentMemoryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<AgentMemoryOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<IAgentMemory>(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<AgentMemoryOptions>>().Value;
            settings.Validate();
            return settings.Mode switch
            {
                AgentMemoryMode.Rest => new RestAgentMemory(settings),
                AgentMemoryMode.Mcp => new McpAgentMemory(settings),
                _ => InProcessAgentMemory.Create(sp),
            };
        });
        return services;
    }
}
