using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>Adds the four memory plugins to a kernel in one call.</summary>
public static class KernelMemoryPlusPluginExtensions
{
    /// <summary>
    /// Imports <c>episodic</c>, <c>semantic</c>, <c>procedural</c> and <c>associative</c> plugins bound to one
    /// namespace, resolving the memory types from <paramref name="services"/> (see AddKernelMemoryPlus).
    /// </summary>
    /// <param name="plugins">The kernel's plugin collection.</param>
    /// <param name="services">A provider with the KernelMemoryPlus services.</param>
    /// <param name="ns">The namespace the plugins read and write.</param>
    /// <returns>The plugin collection.</returns>
    public static KernelPluginCollection AddKernelMemoryPlus(this KernelPluginCollection plugins, IServiceProvider services, string ns)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        ArgumentNullException.ThrowIfNull(services);
        plugins.AddFromObject(new EpisodicMemoryPlugin(services.GetRequiredService<EpisodicMemory>(), ns), "episodic");
        plugins.AddFromObject(new SemanticMemoryPlugin(services.GetRequiredService<SemanticMemory>(), services.GetRequiredService<MemoryEngine>(), ns), "semantic");
        plugins.AddFromObject(new ProceduralMemoryPlugin(services.GetRequiredService<ProceduralMemory>(), ns), "procedural");
        plugins.AddFromObject(new AssociativeMemoryPlugin(services.GetRequiredService<AssociativeMemory>()), "associative");
        return plugins;
    }
}
