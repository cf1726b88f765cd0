// Sample 03 — an Agent Framework agent (ChatClientAgent) with long-term memory from AgentMemoryContextProvider:
// before each turn the provider recalls the user's relevant memories into the model's instructions (fenced as data),
// after it the user's messages are stored as episodic memories (scoped by user, agent and thread). The agent also has
// the memory tools, so the model can store a fact on purpose. Memory is the engine in process on a temporary SQLite
// file; AddKernelMemoryPlusAgentMemory(o => { o.Mode = AgentMemoryMode.Rest; o.BaseUrl = ... }) points it at a server.
// Run: dotnet run --project samples/agents/03_AgentFrameworkContextProvider   (uses Ollama when OLLAMA_HOST answers)
using KernelMemoryPlus;
using KernelMemoryPlus.Plugin;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Samples;

var dataFolder = Path.Combine(Path.GetTempPath(), "kmp-sample-03-" + Guid.NewGuid().ToString("N"));
int exitCode;
await using (var services = new ServiceCollection()
    .AddKernelMemoryPlus().UseSqlite(Path.Combine(dataFolder, "memory.db")).Services
    .AddKernelMemoryPlusAgentMemory(o => o.Mode = AgentMemoryMode.InProcess)
    .BuildServiceProvider())
{
    var memory = services.GetRequiredService<IAgentMemory>();
    var provider = new AgentMemoryContextProvider(memory, new AgentMemoryContextProviderOptions { UserId = "alice", MaxResults = 3 });
    string? seenInstructions = null;

    var ollama = await SampleChat.TryOllamaAsync();
    Console.WriteLine($"Model: {(ollama is null ? "scripted (offline)" : "Ollama")}");
    IChatClient model = ollama ?? new ScriptedChatClient(
        // Turn 1: the model stores the allergy as a fact through a real tool call, then answers.
        (_, _) => ScriptedChatClient.Call("remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "is allergic to", ["value"] = "peanuts" }),
        (m, _) => ScriptedChatClient.Say("Noted. " + ScriptedChatClient.LastResult(m)),
        // Turn 2, a new thread: the answer is built from what the provider recalled into the instructions.
        (_, o) =>
        {
            seenInstructions = o?.Instructions;
            var recalled = (o?.Instructions ?? string.Empty).Split('\n').Where(l => l.StartsWith("- [", StringComparison.Ordinal)).ToList();
            return ScriptedChatClient.Say(recalled.Count == 0
                ? "I have nothing on file about you, so any snack is fine."
                : "From memory: " + string.Join(" ", recalled.Select(l => l[(l.IndexOf('"', StringComparison.Ordinal))..])) + " So: no peanut snacks; I packed rice crackers.");
        });

    AIAgent agent = new ChatClientAgent(model, new ChatClientAgentOptions
    {
        Name = "travel-assistant",
        ChatOptions = new ChatOptions
        {
            Instructions = "You are a travel assistant. Store lasting facts about the user with remember_fact.",
            Tools = [.. AgentMemoryTools.Create(memory, "user/alice")],
        },
        AIContextProviders = [provider],
    });

    var first = await agent.CreateSessionAsync();
    var turn1 = await agent.RunAsync("I'm allergic to peanuts, and I always want a window seat.", first);
    Console.WriteLine($"\n[thread {provider.GetThreadId(first)![..8]}] user: I'm allergic to peanuts, and I always want a window seat.");
    Console.WriteLine($"  agent: {turn1.Text}");

    var second = await agent.CreateSessionAsync();
    var turn2 = await agent.RunAsync("Pack some snacks for my flight to Oslo.", second);
    Console.WriteLine($"[thread {provider.GetThreadId(second)![..8]}] user: Pack some snacks for my flight to Oslo.");
    Console.WriteLine($"  agent: {turn2.Text}");

    Console.WriteLine("\nRemembered (namespace user/alice):");
    foreach (var e in await memory.RecentEventsAsync("user/alice", 10))
    {
        Console.WriteLine($"  event by {e.Author}, thread {e.SessionId?[..8]}: {e.Content}");
    }

    var facts = await memory.GetFactsAsync("user/alice", "Alice");
    Console.WriteLine($"  facts about Alice: {string.Join("; ", facts.Select(f => f.Content))}");
    Console.WriteLine("\nRecalled into turn 2's instructions:");
    Console.WriteLine(seenInstructions is null ? "  (see the model's answer)" : "  " + seenInstructions.ReplaceLineEndings("\n  "));

    exitCode = ollama is null && (facts.Count != 1 || seenInstructions?.Contains("peanuts", StringComparison.Ordinal) != true) ? 1 : 0;
}

Directory.Delete(dataFolder, recursive: true);
if (exitCode != 0)
{
    Console.Error.WriteLine("The agent did not get its memories back.");
}

return exitCode;
