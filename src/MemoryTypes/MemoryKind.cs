namespace KernelMemoryPlus;

/// <summary>The kind of a memory record. Associative memory is not a kind of record: it is the links between them.</summary>
public enum MemoryKind
{
    /// <summary>An event or conversation turn on a timeline, grouped in sessions.</summary>
    Episodic = 0,

    /// <summary>A fact, concept or entity; facts can be superseded without being lost.</summary>
    Semantic = 1,

    /// <summary>A how-to: a procedure with ordered steps, reinforced by reported outcomes.</summary>
    Procedural = 2,
}
