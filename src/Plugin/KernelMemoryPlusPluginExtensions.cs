using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Adds the four memory plugins to a kernel in one call.</summary>
public static class KernelMemoryPlusPluginExtensions
{
    /// <summary>
    /// Imports <c>episodic</c>, <c>semantic</c>, <c>procedural</c> and <c>associative</c> plugins bound to one
    /// namespace, over the <see cref="IAgentMemory"/> registered in <paramref name="services"/>
    /// (<c>AddKernelMemoryPlusAgentMemory</c>), or else over the engine in <paramref name="services"/>
    /// (<c>AddKernelMemoryPlus</c>).
    /// </summary>
    /// <param name="plugins">The kernel's plugin collection.</param>
    /// <param name="services">A provider with an <see cref="IAgentMemory"/> or the KernelMemoryPlus engine.</param>
    /// <param name="ns">The namespace the plugins read and write.</param>
    /// <returns>The plugin collection.</returns>
    public static KernelPluginCollection AddKernelMemoryPlus(this KernelPluginCollection plugins, IServiceProvider services, string ns)
    {
        ArgumentNullException.ThrowIfNull(services);
        return plugins.AddKernelMemoryPlus(services.GetService<IAgentMemory>() ?? InProcessAgentMemory.Create(services), ns);
    }

    /// <summary>Imports the four memory plugins bound to one namespace over <paramref name="memory"/>.</summary>
    /// <param name="plugins">The kernel's plugin collection.</param>
    /// <param name="memory">The agent memory: in process, REST or MCP.</param>
    /// <param name="ns">The namespace the plugins read and write.</param>
    /// <returns>The plugin collection.</returns>
    public static KernelPluginCollection AddKernelMemoryPlus(this KernelPluginCollection plugins, IAgentMemory memory, string ns)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentException.ThrowIfNullOrWhiteSpace(ns);
        plugins.AddFromObject(new EpisodicMemoryPlugin(memory, ns), "episodic");
        plugins.AddFromObject(new SemanticMemoryPlugin(memory, ns), "semantic");
        plugins.AddFromObject(new ProceduralMemoryPlugin(memory, ns), "procedural");
        plugins.AddFromObject(new AssociativeMemoryPlugin(memory), "associative");
        return plugins;
    }

    /// <summary>
    /// Imports the four memory plugins bound to one namespace and adds <see cref="MemoryFunctionErrorFilter"/>, so a
    /// model that calls them with missing or mistyped arguments gets a short error back instead of a failed run.
    /// </summary>
    /// <param name="kernel">The kernel.</param>
    /// <param name="memory">The agent memory: in process, REST or MCP.</param>
    /// <param name="ns">The namespace the plugins read and write.</param>
    /// <returns>The kernel.</returns>
    public static Kernel AddKernelMemoryPlus(this Kernel kernel, IAgentMemory memory, string ns)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        kernel.Plugins.AddKernelMemoryPlus(memory, ns);
        if (!kernel.FunctionInvocationFilters.OfType<MemoryFunctionErrorFilter>().Any())
        {
            kernel.FunctionInvocationFilters.Add(new MemoryFunctionErrorFilter());
        }

        return kernel;
    }

    /// <summary>Adds the four memory plugins and <see cref="MemoryFunctionErrorFilter"/> to a kernel being built.</summary>
    /// <param name="builder">The kernel builder.</param>
    /// <param name="memory">The agent memory: in process, REST or MCP.</param>
    /// <param name="ns">The namespace the plugins read and write.</param>
    /// <returns>The builder.</returns>
    public static IKernelBuilder AddKernelMemoryPlus(this IKernelBuilder builder, IAgentMemory memory, string ns)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentException.ThrowIfNullOrWhiteSpace(ns);
        builder.Plugins.AddFromObject(new EpisodicMemoryPlugin(memory, ns), "episodic");
        builder.Plugins.AddFromObject(new SemanticMemoryPlugin(memory, ns), "semantic");
        builder.Plugins.AddFromObject(new ProceduralMemoryPlugin(memory, ns), "procedural");
        builder.Plugins.AddFromObject(new AssociativeMemoryPlugin(memory), "associative");
        builder.Services.AddSingleton<IFunctionInvocationFilter, MemoryFunctionErrorFilter>();
        return builder;
    }
}
