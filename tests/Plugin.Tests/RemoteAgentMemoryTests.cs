using System.Net.Http.Json;

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>The remote implementations against the live server: sharing, errors, configuration.</summary>
public sealed class RemoteAgentMemoryTests(LiveServer server)
{
    [Fact]
    public async Task TwoClients_SeeEachOthersMemories_InASharedNamespace_AndNotInOthers()
    {
        var ct = TestContext.Current.CancellationToken;
        var shared = "team/" + Guid.NewGuid().ToString("N")[..8];
        await using var writer = new RestAgentMemory(server.Options(AgentMemoryMode.Rest));
        await using var reader = new McpAgentMemory(server.Options(AgentMemoryMode.Mcp));

        var written = await writer.RememberAsync(new NewMemory { Namespace = shared, Content = "The release freeze starts on Friday.", Author = "researcher" }, ct);
        var seen = await reader.RecallAsync(new RecallQuery { Namespace = shared, Text = "when does the release freeze start" }, ct);
        var elsewhere = await reader.RecallAsync(new RecallQuery { Namespace = shared + "-private", Text = "when does the release freeze start" }, ct);

        Assert.Equal(written.Id, seen[0].Memory.Id);
        // The author is who the server authenticated (here its local principal: no keys are configured), never the
        // name the client sent.
        Assert.Equal("local", (await reader.GetAsync(written.Id, ct) is { } m ? (await writer.GetAsync(m.Id, ct))!.Author : null));
        Assert.Empty(elsewhere);
    }

    [Fact]
    public async Task Rest_Problems_BecomeTheEngineExceptions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var memory = new RestAgentMemory(server.Options(AgentMemoryMode.Rest));
        var stored = await memory.RememberAsync(new NewMemory { Namespace = "errors", Content = "version one" }, ct);
        await memory.UpdateAsync(stored.Id, new MemoryUpdate { Content = "version two" }, expectedVersion: 1, ct);

        var invalid = await Assert.ThrowsAsync<MemoryValidationException>(() => memory.RememberAsync(new NewMemory { Namespace = "errors", Content = " " }, ct));
        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => memory.UpdateAsync(stored.Id, new MemoryUpdate { Content = "stale" }, expectedVersion: 1, ct));
        var missing = await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.UpdateAsync("no-such-id", new MemoryUpdate { Content = "x" }, cancellationToken: ct));

        Assert.Equal("content", invalid.Field);
        Assert.Equal(2, conflict.CurrentVersion);
        Assert.Equal("no-such-id", missing.Id);
        Assert.Null(await memory.GetAsync("no-such-id", ct));
        Assert.True(await memory.ForgetAsync(stored.Id, cancellationToken: ct));
        Assert.False(await memory.ForgetAsync(stored.Id, cancellationToken: ct));
    }

    [Fact]
    public async Task Mcp_ToolErrors_BecomeShortExceptions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var memory = new McpAgentMemory(server.Options(AgentMemoryMode.Mcp));

        var error = await Assert.ThrowsAsync<AgentMemoryException>(() => memory.RememberAsync(new NewMemory { Namespace = "errors", Content = " " }, ct));

        Assert.Contains("content", error.Message, StringComparison.Ordinal);
        Assert.Null(await memory.GetAsync("no-such-id", ct));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => memory.ReportOutcomeAsync("no-such-id", true, ct));
    }

    [Fact]
    public async Task Registration_ChoosesTheModeFromOptions()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        Microsoft.Extensions.DependencyInjection.AgentMemoryServiceCollectionExtensions.AddKernelMemoryPlusAgentMemory(services, o =>
        {
            o.Mode = AgentMemoryMode.Rest;
            o.BaseUrl = server.BaseAddress;
            o.ApiKey = "placeholder-key";
        });
        await using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);

        var memory = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAgentMemory>(provider);
        var stored = await memory.RememberAsync(new NewMemory { Namespace = "di", Content = "Registered through options." }, TestContext.Current.CancellationToken);

        Assert.IsType<RestAgentMemory>(memory);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        var raw = await http.GetFromJsonAsync<System.Text.Json.JsonElement>($"/api/v1/memories/{stored.Id}", TestContext.Current.CancellationToken);
        Assert.Equal("Registered through options.", raw.GetProperty("content").GetString());
    }

    [Fact]
    public void Options_InvalidBaseUrl_NamesTheSetting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new RestAgentMemory(new AgentMemoryOptions { Mode = AgentMemoryMode.Rest, BaseUrl = new Uri("ftp://example/") }));

        Assert.Contains("BaseUrl", ex.Message, StringComparison.Ordinal);
    }
}
