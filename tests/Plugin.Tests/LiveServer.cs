using KernelMemoryPlus.Server.Tests;
[assembly: AssemblyFixture(typeof(KernelMemoryPlus.Plugin.Tests.LiveServer))]

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>One real server process for the whole test assembly, with its data in a temporary folder.</summary>
public sealed class LiveServer : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "kmp-plugin-tests-" + Guid.NewGuid().ToString("N"));
    private ServerProcess? _server;

    public Uri BaseAddress => _server?.BaseAddress ?? throw new InvalidOperationException("The server has not started.");

    public AgentMemoryOptions Options(AgentMemoryMode mode) => new() { Mode = mode, BaseUrl = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_data);
        _server = ServerProcess.Start(_data);
        await _server.WaitHealthyAsync(TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // The OS may still hold the database file for a moment; the temp folder is cleaned up later.
        }
    }
}
