namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>A memory.jsonl file as the reference MCP memory server writes it, with broken lines mixed in.</summary>
internal static class SampleJsonl
{
    /// <summary>
    /// Lines 3, 5, 6, 9, 10, 11 and 13 are bad (line 12 is blank). The relation on line 7 names Bob before Bob's own
    /// line 8, which the importer must handle (entities first).
    /// </summary>
    public const string Text =
        """
        {"type":"entity","name":"Alice","entityType":"person","observations":["works at Acme","likes tea"]}
        {"type":"entity","name":"Acme","entityType":"company","observations":["makes anvils"]}
        this line is not JSON
        {"type":"relation","from":"Alice","to":"Acme","relationType":"works_at"}
        {"type":"widget","name":"x"}
        {"type":"entity","name":"","entityType":"person","observations":[]}
        {"type":"relation","from":"Bob","to":"Alice","relationType":"reports to"}
        {"type":"entity","name":"Bob","entityType":"person","observations":["new hire","likes tea"]}
        [1,2,3]
        {"type":"relation","from":"Alice","to":"Alice","relationType":"self"}
        {"type":"entity","name":"Carol","entityType":"person","observations":"not an array"}

        {"type":"relation","from":"Alice","to":"Acme","relationType":"aime bien ☕"}
        """;

    /// <summary>The bad lines, by number, with a word their message must contain.</summary>
    public static readonly (int Line, string Says)[] Errors =
    [
        (3, "JSON"),
        (5, "widget"),
        (6, "name"),
        (9, "object"),
        (10, "itself"),
        (11, "observations"),
        (13, "relationType"),
    ];
}
