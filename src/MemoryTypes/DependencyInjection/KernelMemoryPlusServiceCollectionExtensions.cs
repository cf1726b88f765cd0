using KernelMemoryPlus;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the KernelMemoryPlus engine and its four memory types.</summary>
public static class KernelMemoryPlusServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="MemoryEngine"/>, <see cref="EpisodicMemory"/>, <see cref="SemanticMemory"/>,
    /// <see cref="ProceduralMemory"/> and <see cref="AssociativeMemory"/> as singletons. Without further choices it
    /// stores into SQLite (<see cref="KernelMemoryPlusBuilder.DefaultDatabasePath"/>) with the offline embedder.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Engine settings.</param>
    /// <returns>A builder to choose the store and the embedder.</returns>
    public static KernelMemoryPlusBuilder AddKernelMemoryPlus(this IServiceCollection services, Action<KernelMemoryPlusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var optionsBuilder = services.AddOptions<KernelMemoryPlusOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new MemoryEngine(
            sp.GetRequiredKeyedService<VectorStore>(KernelMemoryPlusBuilder.ServiceKey),
            sp.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(KernelMemoryPlusBuilder.ServiceKey),
            sp.GetRequiredService<IOptions<KernelMemoryPlusOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<MemoryEngine>>()));
        services.TryAddSingleton<EpisodicMemory>();
        services.TryAddSingleton<SemanticMemory>();
        services.TryAddSingleton<ProceduralMemory>();
        services.TryAddSingleton<AssociativeMemory>();

        var builder = new KernelMemoryPlusBuilder(services);
        builder.AddDefaults();
        return builder;
    }
}
