using System.Net;
using System.Net.Sockets;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KernelMemoryPlus.Plugin.Tests;

public sealed class AgentMemoryContextProviderTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddKernelMemoryPlus().UseInMemory().Services.BuildServiceProvider();

    private IAgentMemory Memory => InProcessAgentMemory.Create(_services);

    [Fact]
    public async Task Turn_AddsRecalledMemoriesToTheInstructions_FencedAsData()
    {
        var ct = TestContext.Current.CancellationToken;
        await Memory.RememberAsync(new NewMemory { Namespace = "user/alice", Content = "Alice is allergic to peanuts." }, ct);
        await Memory.RememberAsync(new NewMemory { Namespace = "user/bob", Content = "Bob is allergic to peanuts too." }, ct);
        var model = new ScriptedChatClient((_, options) => ScriptedChatClient.Say("ok"));
        var provider = new AgentMemoryContextProvider(Memory, new() { UserId = "alice" });
        var agent = Agent(model, provider, "travel-agent");

        await agent.RunAsync("Which snacks with peanuts can I take on the flight?", await agent.CreateSessionAsync(ct), cancellationToken: ct);

        var instructions = model.Calls[0].Options?.Instructions ?? string.Empty;
        Assert.Contains(MemoryText.Preamble, instructions, StringComparison.Ordinal);
        Assert.Contains("\"Alice is allergic to peanuts.\"", instructions, StringComparison.Ordinal);
        Assert.DoesNotContain("Bob", instructions, StringComparison.Ordinal);
        Assert.StartsWith("You help with travel.", instructions, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Turn_StoresTheUserMessage_WithAgentAndThread()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = new ScriptedChatClient((_, _) => ScriptedChatClient.Say("Noted, window seats it is."));
        var provider = new AgentMemoryContextProvider(Memory, new() { UserId = "carol" });
        var agent = Agent(model, provider, "travel-agent");
        var session = await agent.CreateSessionAsync(ct);

        await agent.RunAsync("I always prefer window seats on long flights.", session, cancellationToken: ct);
        await agent.RunAsync("ok", session, cancellationToken: ct);

        var stored = Assert.Single(await Memory.RecentEventsAsync("user/carol", 10, ct));
        Assert.Equal("I always prefer window seats on long flights.", stored.Content);
        Assert.Equal("travel-agent", stored.Author);
        Assert.Equal(provider.GetThreadId(session), stored.SessionId);
        Assert.Equal("user", stored.Metadata["kmp.role"]);
    }

    [Fact]
    public async Task NextTurn_RecallsWhatAnEarlierThreadStored_WithoutDuplicatingItInTheHistory()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = new ScriptedChatClient((_, _) => ScriptedChatClient.Say("Noted."), (_, _) => ScriptedChatClient.Say("Window seat booked."), (_, _) => ScriptedChatClient.Say("Sure."));
        var provider = new AgentMemoryContextProvider(Memory, new() { UserId = "dave" });
        var agent = Agent(model, provider, "travel-agent");

        await agent.RunAsync("Remember that I prefer window seats on flights.", await agent.CreateSessionAsync(ct), cancellationToken: ct);
        var second = await agent.CreateSessionAsync(ct);
        await agent.RunAsync("Book my seat for the flight to Oslo.", second, cancellationToken: ct);
        await agent.RunAsync("And the hotel in Oslo?", second, cancellationToken: ct);

        Assert.Contains("window seats", model.Calls[1].Options?.Instructions ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(model.Calls[2].Messages, m => m.Text.Contains(MemoryText.Preamble, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ThreadScope_RecallsOnlyTheCurrentThread()
    {
        var ct = TestContext.Current.CancellationToken;
        var model = new ScriptedChatClient((_, _) => ScriptedChatClient.Say("Noted."), (_, _) => ScriptedChatClient.Say("Sure."));
        var provider = new AgentMemoryContextProvider(Memory, new() { UserId = "erin", RecallScope = AgentMemoryRecallScope.Thread });
        var agent = Agent(model, provider, "travel-agent");

        await agent.RunAsync("My passport number ends with 4711, keep it for the visa form.", await agent.CreateSessionAsync(ct), cancellationToken: ct);
        await agent.RunAsync("What does my passport number end with?", await agent.CreateSessionAsync(ct), cancellationToken: ct);

        Assert.DoesNotContain("4711", model.Calls[1].Options?.Instructions ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableMemory_IsLogged_AndTheTurnGoesOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var logs = new RecordingLogger();
        await using var unreachable = new RestAgentMemory(new AgentMemoryOptions { Mode = AgentMemoryMode.Rest, BaseUrl = new Uri($"http://127.0.0.1:{ClosedPort()}"), Timeout = TimeSpan.FromSeconds(5) });
        var model = new ScriptedChatClient((_, _) => ScriptedChatClient.Say("Answered without memory."));
        var provider = new AgentMemoryContextProvider(unreachable, new() { UserId = "frank" }, logs);
        var agent = Agent(model, provider, "travel-agent");

        var response = await agent.RunAsync("My secret code word is aubergine, remember it.", await agent.CreateSessionAsync(ct), cancellationToken: ct);

        Assert.Equal("Answered without memory.", response.Text);
        Assert.Equal(2, logs.Entries.Count(e => e.Level == LogLevel.Warning));
        Assert.All(logs.Entries.Where(e => e.Exception is not null), e => Assert.IsType<AgentMemoryUnavailableException>(e.Exception));
        Assert.DoesNotContain(logs.Entries, e => e.Message.Contains("aubergine", StringComparison.Ordinal) || (e.Exception?.Message.Contains("aubergine", StringComparison.Ordinal) ?? false));
    }

    [Fact]
    public void Options_WithoutUser_AreRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new AgentMemoryContextProvider(Memory, new AgentMemoryContextProviderOptions()));

        Assert.Contains("UserId", ex.Message, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private static ChatClientAgent Agent(IChatClient model, AIContextProvider provider, string name) =>
        new(model, new ChatClientAgentOptions
        {
            Name = name,
            ChatOptions = new ChatOptions { Instructions = "You help with travel." },
            AIContextProviders = [provider],
        });

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
