using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>A fake model asks for tool calls; FunctionInvokingChatClient runs them against the plugins (as AgentMemoryTools).</summary>
public sealed class FunctionCallingTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services
        .AddKernelMemoryPlusAgentMemory().BuildServiceProvider();

    [Fact]
    public async Task ModelToolCalls_ChangeTheMemory_AndTheResultsGoBackToTheModel()
    {
        var ct = TestContext.Current.CancellationToken;
        var memory = _services.GetRequiredService<IAgentMemory>();
        var tools = AgentMemoryTools.Create(memory, "user/alice");
        var model = new ScriptedChatClient(
            (_, _) => ScriptedChatClient.Call("remember_fact", new() { ["subject"] = "Alice", ["predicate"] = "prefers", ["value"] = "window seats" }),
            (_, _) => ScriptedChatClient.Call("get_facts", new() { ["subject"] = "Alice" }),
            (messages, _) => ScriptedChatClient.Say("Noted: " + ScriptedChatClient.Results(messages)[^1]));
        using var client = new FunctionInvokingChatClient(model);

        var response = await client.GetResponseAsync(
            "Remember that I prefer window seats.",
            new ChatOptions { Tools = [.. tools] },
            ct);

        var facts = await memory.GetFactsAsync("user/alice", "alice", ct);
        Assert.Equal("window seats", Assert.Single(facts).Object);
        Assert.Equal(3, model.Calls.Count);
        Assert.StartsWith("Stored ", ScriptedChatClient.Results(model.Calls[1].Messages)[0], StringComparison.Ordinal);
        Assert.Contains("window seats", response.Text, StringComparison.Ordinal);
        Assert.Contains(MemoryText.Preamble, response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelCallWithMissingArgument_GetsAnErrorItCanActOn_AndTheRunGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var tools = AgentMemoryTools.Create(_services.GetRequiredService<IAgentMemory>(), "user/bob");
        var model = new ScriptedChatClient(
            (_, _) => ScriptedChatClient.Call("record_event", new() { ["sessionId"] = "s1" }),
            (messages, _) => ScriptedChatClient.Say("Tool said: " + ScriptedChatClient.Results(messages)[^1]));
        using var client = new FunctionInvokingChatClient(model);

        var response = await client.GetResponseAsync("Remember this.", new ChatOptions { Tools = [.. tools] }, ct);

        Assert.Contains("Error: record_event:", response.Text, StringComparison.Ordinal);
        Assert.Contains("content", response.Text, StringComparison.Ordinal);
        Assert.Empty(await _services.GetRequiredService<IAgentMemory>().RecentEventsAsync("user/bob", 10, ct));
    }

    [Fact]
    public void Tools_HaveDescriptionsAndUniqueNames()
    {
        var tools = AgentMemoryTools.Create(_services.GetRequiredService<IAgentMemory>(), "user/carol");

        Assert.Equal(11, tools.Count);
        Assert.Equal(tools.Count, tools.Select(t => t.Name).Distinct(StringComparer.Ordinal).Count());
        Assert.All(tools, t => Assert.False(string.IsNullOrWhiteSpace(t.Description)));
        Assert.Contains(tools, t => t.Name == "remember_fact");
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    
}
