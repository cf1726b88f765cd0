using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>
/// Each plugin invoked through Kernel.InvokeAsync. Every <see cref="IAgentMemory"/> implementation derives this suite,
/// so the plugins are shown to behave the same in process and against a live server.
/// </summary>
public abstract class PluginBehaviorTests : IAsyncLifetime
{
    private IAgentMemory? _memory;

    protected Kernel Kernel { get; } = new();

    protected string Namespace { get; } = "agent-" + Guid.NewGuid().ToString("N")[..12];

    protected IAgentMemory Memory => _memory ?? throw new InvalidOperationException("Not initialized.");

    public async ValueTask InitializeAsync()
    {
        _memory = await CreateMemoryAsync();
        Kernel.AddKernelMemoryPlus(_memory, Namespace);
    }

    public virtual async ValueTask DisposeAsync()
    {
        switch (_memory)
        {
            case IAsyncDisposable d:
                await d.DisposeAsync();
                break;
            case IDisposable d:
                d.Dispose();
                break;
        }
    }

    protected abstract Task<IAgentMemory> CreateMemoryAsync();

    [Fact]
    public async Task Episodic_RecordRecallAndRecent_ReturnTheEventFencedAsData()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = await InvokeAsync("episodic", "record_event", new() { ["content"] = "The deploy of version 2.3 failed because the database migration timed out.", ["sessionId"] = "chat-7" }, ct);
        await InvokeAsync("episodic", "record_event", new() { ["content"] = "The team had lunch at the Italian place." }, ct);

        var recalled = await InvokeAsync("episodic", "recall_events", new() { ["query"] = "why did the deploy fail?", ["limit"] = 1 }, ct);
        var recent = await InvokeAsync("episodic", "recent_events", new() { ["limit"] = 5 }, ct);

        Assert.DoesNotContain("Error", id, StringComparison.Ordinal);
        Assert.StartsWith(MemoryText.Preamble, recalled, StringComparison.Ordinal);
        Assert.Contains($"[{id}]", recalled, StringComparison.Ordinal);
        Assert.Contains("database migration timed out", recalled, StringComparison.Ordinal);
        Assert.DoesNotContain("lunch", recalled, StringComparison.Ordinal);
        Assert.True(recent.IndexOf("lunch", StringComparison.Ordinal) < recent.IndexOf("deploy", StringComparison.Ordinal), "newest first");
        var stored = await Memory.GetAsync(id, ct);
        Assert.Equal("chat-7", stored!.SessionId);
        Assert.Equal(MemoryKind.Episodic, stored.Kind);
    }

    [Fact]
    public async Task Semantic_NewValue_SupersedesTheOldFact()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await InvokeAsync("semantic", "remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "lives in", ["value"] = "Paris" }, ct);
        var second = await InvokeAsync("semantic", "remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "lives in", ["value"] = "Lyon" }, ct);

        var facts = await InvokeAsync("semantic", "get_facts", new() { ["subject"] = "alice" }, ct);
        var recalled = await InvokeAsync("semantic", "recall_facts", new() { ["query"] = "where does Alice live?" }, ct);

        Assert.StartsWith("Stored ", first, StringComparison.Ordinal);
        Assert.Contains("replaces \"Alice lives in Paris\"", second, StringComparison.Ordinal);
        Assert.Contains("Lyon", facts, StringComparison.Ordinal);
        Assert.DoesNotContain("Paris", facts, StringComparison.Ordinal);
        Assert.Contains("Lyon", recalled, StringComparison.Ordinal);
        Assert.DoesNotContain("Paris", recalled, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Procedural_RecordFindAndReport_CountsTheOutcome()
    {
        var ct = TestContext.Current.CancellationToken;
        var saved = await InvokeAsync("procedural", "record_procedure", new()
        {
            ["name"] = "rotate the api key",
            ["description"] = "How to rotate the production API key without downtime",
            ["steps"] = "Create a second key\nDeploy with both keys\nRevoke the old key",
        }, ct);
        var id = saved["Saved ".Length..^1];

        var found = await InvokeAsync("procedural", "find_procedures", new() { ["task"] = "rotate production api key" }, ct);
        var reported = await InvokeAsync("procedural", "report_outcome", new() { ["id"] = id, ["success"] = true }, ct);

        Assert.Contains($"[{id}]", found, StringComparison.Ordinal);
        Assert.Contains("2. Deploy with both keys", found, StringComparison.Ordinal);
        Assert.Equal("Recorded. 1 successes, 0 failures.", reported);
        Assert.Equal(1, (await Memory.GetAsync(id, ct))!.SuccessCount);
    }

    [Fact]
    public async Task Associative_LinkThenExplore_ReachesTheLinkedMemory()
    {
        var ct = TestContext.Current.CancellationToken;
        var cause = await Memory.RememberAsync(new NewMemory { Namespace = Namespace, Content = "The disk on db-2 filled up." }, ct);
        var effect = await Memory.RememberAsync(new NewMemory { Namespace = Namespace, Content = "Checkout requests failed for twenty minutes." }, ct);

        var linked = await InvokeAsync("associative", "link_memories", new() { ["fromId"] = effect.Id, ["toId"] = cause.Id, ["relation"] = "caused_by" }, ct);
        var explored = await InvokeAsync("associative", "explore_associations", new() { ["id"] = effect.Id, ["depth"] = 1 }, ct);

        Assert.StartsWith("Linked (", linked, StringComparison.Ordinal);
        Assert.Contains($"[{cause.Id}]", explored, StringComparison.Ordinal);
        Assert.Contains("caused_by", explored, StringComparison.Ordinal);
        Assert.Contains("disk on db-2", explored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_EmptyContent_ReturnsAShortError()
    {
        var result = await InvokeAsync("episodic", "record_event", new() { ["content"] = "   " }, TestContext.Current.CancellationToken);

        Assert.StartsWith("Error: ", result, StringComparison.Ordinal);
        Assert.Contains("content", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_UnknownId_ReturnsAShortError()
    {
        var result = await InvokeAsync("procedural", "report_outcome", new() { ["id"] = "nope", ["success"] = true }, TestContext.Current.CancellationToken);

        Assert.StartsWith("Error: ", result, StringComparison.Ordinal);
        Assert.Contains("nope", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_MissingArgument_ReturnsAnErrorNamingIt()
    {
        var result = await InvokeAsync("semantic", "remember_fact", new() { ["subject"] = "Bob" }, TestContext.Current.CancellationToken);

        Assert.StartsWith("Error: remember_fact:", result, StringComparison.Ordinal);
        Assert.Contains("predicate", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadInput_WrongType_ReturnsAShortError()
    {
        var result = await InvokeAsync("episodic", "recall_events", new() { ["query"] = "deploy", ["limit"] = "many" }, TestContext.Current.CancellationToken);

        Assert.StartsWith("Error: recall_events:", result, StringComparison.Ordinal);
    }

    protected async Task<string> InvokeAsync(string plugin, string function, KernelArguments arguments, CancellationToken cancellationToken) =>
        (await Kernel.InvokeAsync(plugin, function, arguments, cancellationToken)).GetValue<string>()!;
}

public sealed class InProcessPluginTests : PluginBehaviorTests
{
    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services.BuildServiceProvider();

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _services.DisposeAsync();
    }

    protected override Task<IAgentMemory> CreateMemoryAsync() => Task.FromResult<IAgentMemory>(InProcessAgentMemory.Create(_services));
}

public sealed class RestPluginTests(LiveServer server) : PluginBehaviorTests
{
    protected override Task<IAgentMemory> CreateMemoryAsync() => Task.FromResult<IAgentMemory>(new RestAgentMemory(server.Options(AgentMemoryMode.Rest)));
}

public sealed class McpPluginTests(LiveServer server) : PluginBehaviorTests
{
    protected override Task<IAgentMemory> CreateMemoryAsync() => Task.FromResult<IAgentMemory>(new McpAgentMemory(server.Options(AgentMemoryMode.Mcp)));
}
