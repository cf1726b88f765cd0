using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin.Tests;

public sealed class MemoryPluginTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services.BuildServiceProvider();
    private readonly Kernel _kernel = new();

    public MemoryPluginTests()
    {
        _kernel.Plugins.AddKernelMemoryPlus(_services, "agent-1");
    }

    [Fact]
    public void AddKernelMemoryPlus_ImportsTheFourPlugins()
    {
        Assert.Equal(["associative", "episodic", "procedural", "semantic"], _kernel.Plugins.Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.All(_kernel.Plugins.SelectMany(p => p), f => Assert.False(string.IsNullOrWhiteSpace(f.Description)));
    }

    [Fact]
    public async Task RecordThenRecall_ThroughKernelInvoke_ReturnsTheEventFencedAsData()
    {
        var ct = TestContext.Current.CancellationToken;
        await _kernel.InvokeAsync("episodic", "record_event", new() { ["content"] = "The deploy of version 2.3 failed because the database migration timed out." }, ct);

        var result = await _kernel.InvokeAsync("episodic", "recall_events", new() { ["query"] = "why did the deploy fail?" }, ct);

        var text = result.GetValue<string>()!;
        Assert.StartsWith(MemoryText.Preamble, text, StringComparison.Ordinal);
        Assert.Contains("database migration timed out", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RememberFact_NewValue_ReportsTheReplacedFact()
    {
        var ct = TestContext.Current.CancellationToken;
        await _kernel.InvokeAsync("semantic", "remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "lives in", ["value"] = "Paris" }, ct);

        var second = await _kernel.InvokeAsync("semantic", "remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "lives in", ["value"] = "Lyon" }, ct);
        var facts = await _kernel.InvokeAsync("semantic", "get_facts", new() { ["subject"] = "alice" }, ct);

        Assert.Contains("replaces", second.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("Lyon", facts.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("Paris", facts.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RecordEvent_EmptyContent_ReturnsAnErrorTheModelCanActOn()
    {
        var result = await _kernel.InvokeAsync("episodic", "record_event", new() { ["content"] = "   " }, TestContext.Current.CancellationToken);

        Assert.Equal("Error: content: The content must not be empty.", result.GetValue<string>());
    }

    [Fact]
    public async Task ReportOutcome_UnknownId_ReturnsAnError()
    {
        var result = await _kernel.InvokeAsync("procedural", "report_outcome", new() { ["id"] = "nope", ["success"] = true }, TestContext.Current.CancellationToken);

        Assert.StartsWith("Error: No memory with id 'nope'", result.GetValue<string>(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();
}
