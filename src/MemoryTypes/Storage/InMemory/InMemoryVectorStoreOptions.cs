using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Storage.InMemory;

/// <summary>Options of an <see cref="InMemoryVectorStore"/>.</summary>
public sealed class InMemoryVectorStoreOptions
{
    /// <summary>
    /// The embedding generator used by vector properties that have none of their own (on the property or the
    /// collection definition): it embeds string search inputs, and the source values of vector properties whose type
    /// is not a vector (for example a <see cref="string"/>) on upsert. Normally an
    /// <c>IEmbeddingGenerator&lt;string, Embedding&lt;float&gt;&gt;</c>.
    /// </summary>
    public IEmbeddingGenerator? EmbeddingGenerator { get; set; }
}
