namespace KernelMemoryPlus;

/// <summary>Which links of a memory to list.</summary>
public enum LinkDirection
{
    /// <summary>Links in either direction.</summary>
    Both = 0,

    /// <summary>Links that start at the memory (and bidirectional links that end there).</summary>
    Outgoing = 1,

    /// <summary>Links that end at the memory (and bidirectional links that start there).</summary>
    Incoming = 2,
}
