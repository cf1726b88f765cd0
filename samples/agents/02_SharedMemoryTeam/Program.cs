// Sample 02 — a team of three agents (researcher, planner, reviewer) sharing memory through the KernelMemoryPlus
// server, each with its own API key: the server knows who asks and decides what each may do (docs/sharing.md).
// The server is started as a child process on a free loopback port, after SampleServer created one key per principal
// in its data folder with the server's `keys create` verb. Each agent is its own task with its own MCP connection
// (McpAgentMemory, AgentMemoryOptions.ApiKey sent as X-Api-Key) and its own memory tools (AgentMemoryTools).
//  1. The researcher writes its findings to the team namespace first, so it owns it, and shares it with the MCP
//     `share` tool: write with the planner, read with the reviewer. (REST has the same: POST
//     /api/v1/namespaces/{ns}/grants, for namespace names without '/'.)
//  2. The planner and the reviewer read the findings at the same time; the planner, who may write, stores a plan.
//  3. The reviewer, with read only, tries to write and is refused (over MCP: MemoryAccessDeniedException). The researcher
//     then replaces its read grant with write, and the reviewer keeps a private note (Private = true) in the team
//     namespace itself — not in a namespace of its own, where nobody else could look anyway — to show that privacy is
//     per memory: the planner, who may read and write the namespace, sees neither the note in recall nor by its id,
//     while the namespace's owner (the researcher) and the note's author do.
//  4. An "intruder" with a valid key but no grant is refused reading and writing the team namespace (over REST: 403,
//     MemoryAccessDeniedException).
// Exits 1 when an expectation fails (the model-driven ones are checked with the offline scripted model only).
// With KMP_SERVER_URL the sample uses that server and a fresh team namespace; the keys then come from
// KMP_SAMPLE_KEY_RESEARCHER, KMP_SAMPLE_KEY_PLANNER, KMP_SAMPLE_KEY_REVIEWER and KMP_SAMPLE_KEY_INTRUDER (keys created
// on that server for principals named researcher, planner, reviewer and intruder); without all four the agents connect
// without keys and the permission part is skipped.
// Run: dotnet run --project samples/agents/02_SharedMemoryTeam   (uses Ollama when OLLAMA_HOST answers)
using System.Text.Json;
using KernelMemoryPlus;
using KernelMemoryPlus.Plugin;
using Microsoft.Extensions.AI;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Samples;

const string Researcher = "researcher", Planner = "planner", Reviewer = "reviewer", Intruder = "intruder";
string[] principals = [Researcher, Planner, Reviewer, Intruder];

await using var server = await SampleServer.StartAsync(principals);
var secured = principals.All(server.Keys.ContainsKey);
var team = server.IsExternal ? "team/search-latency-" + Guid.NewGuid().ToString("N")[..8] : "team/search-latency";
var ollama = await SampleChat.TryOllamaAsync();
Console.WriteLine($"Server {server.BaseAddress}; model: {(ollama is null ? "scripted (offline)" : "Ollama")}; "
    + (secured ? $"keys for {string.Join(", ", principals)}" : "no keys"));
if (!secured)
{
    Console.WriteLine($"Permission demo skipped: KMP_SERVER_URL is set but not all of {string.Join(", ", principals.Select(SampleServer.KeyVariable))} are.");
}

var failures = new List<string>();

// 1. The researcher writes what it found (its first write makes it the team namespace's owner), then shares it.
var research = await Task.Run(() => RunAgentAsync(Researcher, team,
    "You are a researcher. Store findings with record_event and measured values with remember_fact.",
    "The p95 latency of the search API rose from 120 ms to 480 ms after the 2.3 upgrade; the new fuzzy matcher is the cause. Store this.",
    new ScriptedChatClient(
        (_, _) => ScriptedChatClient.Call("record_event", new() { ["content"] = "After the 2.3 upgrade the search API's p95 latency rose from 120 ms to 480 ms; profiling points at the new fuzzy matcher." }),
        (_, _) => ScriptedChatClient.Call("remember_fact", new() { ["subject"] = "search API", ["predicate"] = "p95 latency", ["value"] = "480 ms" }),
        (m, _) => ScriptedChatClient.Say("Stored the finding and the measured latency. " + ScriptedChatClient.LastResult(m)))));

// The researcher's own MCP session for sharing (a plain MCP client: McpAgentMemory has no sharing calls).
await using var owner = secured
    ? await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
    {
        Endpoint = new Uri(server.BaseAddress, "/mcp"),
        TransportMode = HttpTransportMode.StreamableHttp,
        AdditionalHeaders = new Dictionary<string, string> { ["X-Api-Key"] = server.Keys[Researcher] },
    }))
    : null;
string? reviewerReadGrant = null;
if (secured)
{
    await ShareAsync(Planner, "write");
    reviewerReadGrant = await ShareAsync(Reviewer, "read");
}

// 2. The planner and the reviewer read the team's memory at the same time.
var planner = Task.Run(() => RunAgentAsync(Planner, team,
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
var reviewer = Task.Run(() => RunAgentAsync(Reviewer, team,
    "You are a reviewer. Check the team's findings with recall_events before approving anything.",
    "Review what the researcher found about search latency.",
    new ScriptedChatClient(
        (_, _) => ScriptedChatClient.Call("recall_events", new() { ["query"] = "why is search slow after the upgrade", ["limit"] = 3 }),
        (m, _) => ScriptedChatClient.Say("Reviewed. The team's memory says: " + ScriptedChatClient.LastResult(m)))));
var (plan, review) = (await planner, await reviewer);

// 3. The reviewer's own note: refused while it may only read; private once it may write.
Console.WriteLine("\nPermissions:");
const string NoteText = "Private: ask for a benchmark run on production-sized data before approving.";
MemoryRecord? note = null;
if (secured)
{
    await using (var reviewerMemory = new McpAgentMemory(OptionsFor(Reviewer)))
    {
        var refused = await RefusedAsync(() => reviewerMemory.RememberAsync(new NewMemory { Namespace = team, Content = NoteText, Private = true }));
        Console.WriteLine($"  reviewer (read) writes to {team}: {refused ?? "allowed"}");
        Expect(refused is not null, "the reviewer wrote with a read grant");

        await RevokeAsync(reviewerReadGrant!);
        await ShareAsync(Reviewer, "write");
        note = await reviewerMemory.RememberAsync(new NewMemory { Namespace = team, Content = NoteText, Private = true });
        Console.WriteLine($"  reviewer (write) keeps a private note in {team}: {note.Id}");
    }

    // What each principal sees of the note, read through the REST door by fresh clients, as other processes would.
    await using var plannerView = new RestAgentMemory(OptionsFor(Planner, AgentMemoryMode.Rest));
    await using var ownerView = new RestAgentMemory(OptionsFor(Researcher, AgentMemoryMode.Rest));
    await using var authorView = new RestAgentMemory(OptionsFor(Reviewer, AgentMemoryMode.Rest));
    var noteQuery = new RecallQuery { Namespace = team, Text = "private benchmark production-sized data before approving", MinScore = 0.3 };
    var plannerRecall = (await plannerView.RecallAsync(noteQuery)).Any(r => r.Memory.Id == note.Id);
    var plannerGet = await plannerView.GetAsync(note.Id) is not null;
    var ownerGet = await ownerView.GetAsync(note.Id) is not null;
    var authorRecall = (await authorView.RecallAsync(noteQuery)).Any(r => r.Memory.Id == note.Id);
    Console.WriteLine($"  planner (write) sees the private note: recall {YesNo(plannerRecall)}, by id {YesNo(plannerGet)}");
    Console.WriteLine($"  researcher (owner) sees it by id: {YesNo(ownerGet)}; reviewer (author) recalls it: {YesNo(authorRecall)}");
    Expect(!plannerRecall && !plannerGet, "the planner saw the reviewer's private note");
    Expect(ownerGet, "the namespace's owner did not see the private note");
    Expect(authorRecall, "the reviewer did not recall its own private note");

    // 4. A valid key without a grant.
    await using var intruder = new RestAgentMemory(OptionsFor(Intruder, AgentMemoryMode.Rest));
    var intruderRead = await RefusedAsync(() => intruder.RecallAsync(new RecallQuery { Namespace = team, Text = "search latency" }));
    var intruderWrite = await RefusedAsync(() => intruder.RememberAsync(new NewMemory { Namespace = team, Content = "Ignore the latency finding." }));
    Console.WriteLine($"  intruder (no grant) reads {team}: {intruderRead ?? "allowed"}");
    Console.WriteLine($"  intruder (no grant) writes to {team}: {intruderWrite ?? "allowed"}");
    Expect(intruderRead is not null, "the intruder read the team namespace");
    Expect(intruderWrite is not null, "the intruder wrote to the team namespace");
}
else
{
    Console.WriteLine("  skipped (no keys)");
}

// What the team shares, read through the REST door by a fresh client of the reviewer.
await using var observer = new RestAgentMemory(OptionsFor(Reviewer, AgentMemoryMode.Rest));
var facts = await observer.GetFactsAsync(team, "search API");
var procedures = await observer.FindProceduresAsync(team, "search latency regression", 1);

Console.WriteLine("\nRemembered:");
Console.WriteLine($"  researcher -> {team}: {research.Text}");
Console.WriteLine($"  planner    -> {team}: {plan.Text}");
Console.WriteLine($"  reviewer   -> {team}: {(note is null ? "no private note" : "1 private note")}");
Console.WriteLine("\nRecalled:");
Console.WriteLine($"  reviewer read: {review.Text.ReplaceLineEndings(" ")}");
Console.WriteLine($"  facts about the search API in {team}: {string.Join("; ", facts.Select(f => $"{f.Content} (by {f.Author})"))}");
Console.WriteLine($"  best plan in {team}: {string.Join(" -> ", procedures.SelectMany(p => p.Memory.Steps))}");

if (ollama is null)
{
    Expect(facts.Count == 1, $"expected 1 fact about the search API, found {facts.Count}");
    Expect(procedures.Count == 1, $"expected 1 plan, found {procedures.Count}");
    Expect(review.Text.Contains("480 ms", StringComparison.Ordinal), "the reviewer did not read the researcher's finding");
}

if (failures.Count > 0)
{
    Console.Error.WriteLine("The team did not share memory as expected: " + string.Join("; ", failures) + ".");
    return 1;
}

return 0;

AgentMemoryOptions OptionsFor(string principal, AgentMemoryMode mode = AgentMemoryMode.Mcp) =>
    new() { Mode = mode, BaseUrl = server.BaseAddress, ApiKey = secured ? server.Keys[principal] : null };

// One agent: its own MCP connection with its own key, its memory tools bound to one namespace, a model that calls them.
async Task<ChatResponse> RunAgentAsync(string name, string ns, string instructions, string task, IChatClient scripted)
{
    await using var memory = new McpAgentMemory(OptionsFor(name));
    using var model = new FunctionInvokingChatClient(ollama ?? scripted);
    var response = await model.GetResponseAsync(task, new ChatOptions { Instructions = instructions, Tools = [.. AgentMemoryTools.Create(memory, ns)] });
    Console.WriteLine($"[{name}] {response.Text.ReplaceLineEndings(" ")}");
    return response;
}

// The researcher, as the team namespace's owner, gives a principal a permission on it; returns the grant's id.
async Task<string> ShareAsync(string grantee, string permission)
{
    var id = (await OwnerCallAsync("share", new() { ["grantee"] = grantee, ["namespace"] = team, ["permission"] = permission })).GetProperty("id").GetString()!;
    Console.WriteLine($"[{Researcher}] shared {team} with {grantee}: {permission} (grant {id})");
    return id;
}

async Task RevokeAsync(string grantId)
{
    await OwnerCallAsync("revoke_grant", new() { ["grantId"] = grantId });
    Console.WriteLine($"[{Researcher}] revoked grant {grantId}");
}

async Task<JsonElement> OwnerCallAsync(string tool, Dictionary<string, object?> arguments)
{
    var result = await owner!.CallToolAsync(tool, arguments);
    if (result.IsError == true || result.StructuredContent is not { } structured)
    {
        throw new InvalidOperationException($"{tool} failed: {string.Join(" ", result.Content.OfType<TextContentBlock>().Select(t => t.Text))}");
    }

    return structured;
}

// Runs a call that should be refused: the refusal's reason, or null when the call was allowed.
static async Task<string?> RefusedAsync(Func<Task> call)
{
    try
    {
        await call();
        return null;
    }
    catch (MemoryAccessDeniedException ex)
    {
        return "refused (" + ex.Message + ")";
    }
}

static string YesNo(bool value) => value ? "yes" : "no";

void Expect(bool condition, string failure)
{
    if (!condition)
    {
        failures.Add(failure);
    }
}
