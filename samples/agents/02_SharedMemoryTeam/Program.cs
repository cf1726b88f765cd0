// Sample 02 — a team of three agents (researcher, planner, reviewer) sharing memory through the KernelMemoryPlus
// server. The server is started as a child process on a free loopback port (or KMP_SERVER_URL is used); each agent is
// its own task with its own MCP connection (McpAgentMemory) and its own memory tools (AgentMemoryTools).
// The researcher writes findings to the team namespace; the planner and the reviewer read them at the same time; the
// planner writes a plan, the reviewer keeps private notes in its own namespace.
// Permissions do not exist yet (issue 6), so separation is shown with namespaces only: the team namespace is shared,
// "agent/reviewer" is only bound to the reviewer's tools — nothing yet stops another client that names it.
// Run: dotnet run --project samples/agents/02_SharedMemoryTeam   (uses Ollama when OLLAMA_HOST answers)
using KernelMemoryPlus;
using KernelMemoryPlus.Plugin;
using Microsoft.Extensions.AI;
using Samples;

const string Team = "team/search-latency";
const string ReviewerNotes = "agent/reviewer";

await using var server = await SampleServer.StartAsync();
var ollama = await SampleChat.TryOllamaAsync();
Console.WriteLine($"Server {server.BaseAddress}; model: {(ollama is null ? "scripted (offline)" : "Ollama")}");
var options = new AgentMemoryOptions { Mode = AgentMemoryMode.Mcp, BaseUrl = server.BaseAddress };

// 1. The researcher writes what it found.
var research = await Task.Run(() => RunAgentAsync("researcher", Team,
    "You are a researcher. Store findings with record_event and measured values with remember_fact.",
    "The p95 latency of the search API rose from 120 ms to 480 ms after the 2.3 upgrade; the new fuzzy matcher is the cause. Store this.",
    new ScriptedChatClient(
        (_, _) => ScriptedChatClient.Call("record_event", new() { ["content"] = "After the 2.3 upgrade the search API's p95 latency rose from 120 ms to 480 ms; profiling points at the new fuzzy matcher." }),
        (_, _) => ScriptedChatClient.Call("remember_fact", new() { ["subject"] = "search API", ["predicate"] = "p95 latency", ["value"] = "480 ms" }),
        (m, _) => ScriptedChatClient.Say("Stored the finding and the measured latency. " + ScriptedChatClient.LastResult(m)))));

// 2. The planner and the reviewer read the team's memory at the same time.
var planner = Task.Run(() => RunAgentAsync("planner", Team,
    "You are a planner. Read the team's facts with recall_facts, then store a plan with record_procedure.",
    "Plan the fix for the search latency regression.",
    new ScriptedChatClient(
        (_, _) => ScriptedChatClient.Call("recall_facts", new() { ["query"] = "search API latency" }),
        (m, _) => ScriptedChatClient.Call("record_procedure", new()
        {
            ["name"] = "fix search latency regression",
            ["description"] = "Bring the search API's p95 latency back under 150 ms after the fuzzy matcher change",
            ["steps"] = "Put the fuzzy matcher behind a feature flag\nLimit fuzzy expansion to two edits\nRe-run the latency benchmark",
        }),
        (m, _) => ScriptedChatClient.Say("Plan recorded. " + ScriptedChatClient.LastResult(m)))));
var reviewer = Task.Run(() => RunAgentAsync("reviewer", Team,
    "You are a reviewer. Check the team's findings with recall_events before approving anything.",
    "Review what the researcher found about search latency.",
    new ScriptedChatClient(
        (_, _) => ScriptedChatClient.Call("recall_events", new() { ["query"] = "why is search slow after the upgrade", ["limit"] = 3 }),
        (m, _) => ScriptedChatClient.Say("Reviewed. The team's memory says: " + ScriptedChatClient.LastResult(m)))));
var (plan, review) = (await planner, await reviewer);

// The reviewer's private notes go to its own namespace.
await using (var reviewerMemory = new McpAgentMemory(options))
{
    await reviewerMemory.RememberAsync(new NewMemory { Namespace = ReviewerNotes, Content = "Private: ask for a benchmark run on production-sized data before approving.", Author = "reviewer" });
}

// 3. What each side can see, read through the REST door by a fresh client, as another process would.
await using var observer = new RestAgentMemory(options);
var facts = await observer.GetFactsAsync(Team, "search API");
var procedures = await observer.FindProceduresAsync(Team, "search latency regression", 1);
var privateInTeam = await observer.RecallAsync(new RecallQuery { Namespace = Team, Text = "private benchmark production-sized data before approving", MinScore = 0.3 });
var privateNotes = await observer.RecallAsync(new RecallQuery { Namespace = ReviewerNotes, Text = "benchmark before approving" });

Console.WriteLine("\nRemembered:");
Console.WriteLine($"  researcher -> {Team}: {research.Text}");
Console.WriteLine($"  planner    -> {Team}: {plan.Text}");
Console.WriteLine($"  reviewer   -> {ReviewerNotes}: 1 private note");
Console.WriteLine("\nRecalled:");
Console.WriteLine($"  reviewer read: {review.Text.ReplaceLineEndings(" ")}");
Console.WriteLine($"  facts about the search API in {Team}: {string.Join("; ", facts.Select(f => f.Content))}");
Console.WriteLine($"  best plan in {Team}: {string.Join(" -> ", procedures.SelectMany(p => p.Memory.Steps))}");
Console.WriteLine($"  reviewer's private note seen in {Team}: {(privateInTeam.Any(r => r.Memory.Content.StartsWith("Private:", StringComparison.Ordinal)) ? "yes" : "no")}");
Console.WriteLine($"  reviewer's notes in {ReviewerNotes}: {string.Join("; ", privateNotes.Select(r => r.Memory.Content))}");

if (ollama is null
    && (facts.Count != 1 || procedures.Count != 1 || !review.Text.Contains("480 ms", StringComparison.Ordinal)
        || privateInTeam.Any(r => r.Memory.Content.StartsWith("Private:", StringComparison.Ordinal)) || privateNotes.Count == 0))
{
    Console.Error.WriteLine("The team did not share memory as expected.");
    return 1;
}

return 0;

// One agent: its own MCP connection, its memory tools bound to one namespace, a model that calls them.
async Task<ChatResponse> RunAgentAsync(string name, string ns, string instructions, string task, IChatClient scripted)
{
    await using var memory = new McpAgentMemory(options);
    using var model = new FunctionInvokingChatClient(ollama ?? scripted);
    var response = await model.GetResponseAsync(task, new ChatOptions { Instructions = instructions, Tools = [.. AgentMemoryTools.Create(memory, ns)] });
    Console.WriteLine($"[{name}] {response.Text.ReplaceLineEndings(" ")}");
    return response;
}
