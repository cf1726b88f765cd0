// Sample 01 — the memory engine in process, all four memory types, on an embedded SQLite file and the offline
// embedder (no model, no network). Run: dotnet run --project samples/agents/01_InProcessMemory
using KernelMemoryPlus;
using Microsoft.Extensions.DependencyInjection;

var dataFolder = Path.Combine(Path.GetTempPath(), "kmp-sample-01-" + Guid.NewGuid().ToString("N"));
await using (var services = new ServiceCollection()
    .AddKernelMemoryPlus()
    .UseSqlite(Path.Combine(dataFolder, "memory.db"))
    .Services.BuildServiceProvider())
{
    var engine = services.GetRequiredService<MemoryEngine>();
    var episodic = services.GetRequiredService<EpisodicMemory>();
    var semantic = services.GetRequiredService<SemanticMemory>();
    var procedural = services.GetRequiredService<ProceduralMemory>();
    var associative = services.GetRequiredService<AssociativeMemory>();
    const string ns = "sample-agent";

    // Episodic: a short conversation on a timeline.
    var start = DateTimeOffset.UtcNow.AddHours(-1);
    var turns = new[]
    {
        "User said the nightly build has been failing since Tuesday.",
        "Assistant found that the integration tests time out against the staging database.",
        "User asked to raise the database timeout to 60 seconds.",
    };
    MemoryRecord? last = null;
    for (int i = 0; i < turns.Length; i++)
    {
        last = await episodic.RecordEventAsync(ns, turns[i], sessionId: "chat-1", occurredAt: start.AddMinutes(i));
    }

    // Semantic: a fact, then a newer value that supersedes it.
    await semantic.AddFactAsync(new NewFact { Namespace = ns, Subject = "staging database", Predicate = "timeout", Object = "30 seconds" });
    var changed = await semantic.AddFactAsync(new NewFact { Namespace = ns, Subject = "staging database", Predicate = "timeout", Object = "60 seconds" });

    // Procedural: how to fix it, with an outcome report.
    var fix = await procedural.RecordAsync(ns, "fix flaky integration tests", "What to do when integration tests time out against staging",
        ["Check the staging database load", "Raise the client timeout", "Re-run the nightly build"]);
    await procedural.ReportOutcomeAsync(fix.Fact.Id, success: true);

    // Associative: the fix is linked to the conversation turn that motivated it.
    await associative.LinkAsync(last!.Id, fix.Fact.Id, "resolved_by", weight: 0.9);

    Console.WriteLine("Remembered:");
    Console.WriteLine($"  {turns.Length} events in session chat-1");
    Console.WriteLine($"  fact: {changed.Fact.Content} (replaces: {string.Join(", ", changed.Superseded.Select(s => s.Content))})");
    Console.WriteLine($"  procedure: {fix.Fact.ProcedureName} ({fix.Fact.Steps.Count} steps)");

    Console.WriteLine("\nRecall \"why does the nighlty build fail?\" (note the typo):");
    foreach (var r in await engine.RecallAsync(new RecallQuery { Namespace = ns, Text = "why does the nighlty build fail?", Limit = 3, SpreadDepth = 1 }))
    {
        Console.WriteLine($"  {r.Score:0.000} [{r.Memory.Kind}] {r.Memory.Content}");
        Console.WriteLine($"         {r.Explanation}");
    }

    var facts = await semantic.GetFactsAsync(ns, "staging database");
    Console.WriteLine($"\nCurrent facts about the staging database: {string.Join("; ", facts.Select(f => f.Content))}");
    var found = await procedural.FindAsync(ns, "integration tests keep timing out", 1);
    Console.WriteLine($"Best procedure for timeouts: {found[0].Memory.ProcedureName}: {string.Join(" -> ", found[0].Memory.Steps)}");
    var changes = await engine.GetChangesAsync(ns, since: 0, limit: 100);
    Console.WriteLine($"Change feed: {changes.Changes.Count} changes, last sequence {changes.NextSince}");

    if (facts.Count != 1 || found.Count == 0 || changes.Changes.Count == 0)
    {
        Console.Error.WriteLine("The sample did not get the expected memories back.");
        return 1;
    }
}

Directory.Delete(dataFolder, recursive: true);
return 0;
