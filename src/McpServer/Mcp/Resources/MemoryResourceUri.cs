namespace KernelMemoryPlus.Server.Mcp.Resources;

/// <summary>The kinds of resource the MCP door serves.</summary>
internal enum MemoryResourceKind
{
    /// <summary><c>memory://namespaces/{namespace}</c>: the recent memories of a namespace.</summary>
    Namespace,

    /// <summary><c>memory://memories/{id}</c>: one memory with its links.</summary>
    Memory,

    /// <summary><c>memory://knowledge-graph</c>: the graph of the reference-compatible tools.</summary>
    KnowledgeGraph,
}

/// <summary>Builds and parses the <c>memory://</c> resource URIs.</summary>
/// <param name="Kind">What the URI names.</param>
/// <param name="Value">The namespace or memory id; empty for the knowledge graph.</param>
internal readonly record struct MemoryResourceUri(MemoryResourceKind Kind, string Value)
{
    public const string Scheme = "memory://";
    public const string NamespacePrefix = "memory://namespaces/";
    public const string MemoryPrefix = "memory://memories/";
    public const string KnowledgeGraph = "memory://knowledge-graph";
    public const string NamespaceTemplate = "memory://namespaces/{namespace}";
    public const string MemoryTemplate = "memory://memories/{id}";

    /// <summary>Longest URI accepted; anything longer cannot name a valid namespace or id.</summary>
    public const int MaxLength = 1024;

    public static string ForNamespace(string ns) => NamespacePrefix + Uri.EscapeDataString(ns);

    public static string ForMemory(string id) => MemoryPrefix + Uri.EscapeDataString(id);

    /// <summary>Parses a URI this door serves. Namespaces and ids may be percent-encoded.</summary>
    /// <param name="uri">The URI.</param>
    /// <param name="parsed">What it names.</param>
    /// <returns>False when the URI is not one of ours or is malformed.</returns>
    public static bool TryParse(string? uri, out MemoryResourceUri parsed)
    {
        parsed = default;
        if (string.IsNullOrEmpty(uri) || uri.Length > MaxLength)
        {
            return false;
        }

        if (string.Equals(uri, KnowledgeGraph, StringComparison.Ordinal))
        {
            parsed = new MemoryResourceUri(MemoryResourceKind.KnowledgeGraph, string.Empty);
            return true;
        }

        if (TryValue(uri, NamespacePrefix, out var ns))
        {
            parsed = new MemoryResourceUri(MemoryResourceKind.Namespace, ns);
            return true;
        }

        if (TryValue(uri, MemoryPrefix, out var id) && !id.Contains('/', StringComparison.Ordinal))
        {
            parsed = new MemoryResourceUri(MemoryResourceKind.Memory, id);
            return true;
        }

        return false;
    }

    public override string ToString() => Kind switch
    {
        MemoryResourceKind.Namespace => ForNamespace(Value),
        MemoryResourceKind.Memory => ForMemory(Value),
        _ => KnowledgeGraph,
    };

    private static bool TryValue(string uri, string prefix, out string value)
    {
        value = string.Empty;
        if (!uri.StartsWith(prefix, StringComparison.Ordinal) || uri.Length == prefix.Length)
        {
            return false;
        }

        try
        {
            value = Uri.UnescapeDataString(uri[prefix.Length..]);
        }
        catch (UriFormatException)
        {
            return false;
        }

        return value.Length > 0 && !value.Any(char.IsControl) && value.IndexOfAny(['?', '#']) < 0;
    }
}
