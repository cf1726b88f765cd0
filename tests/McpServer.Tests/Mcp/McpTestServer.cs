using System.Net;
using KernelMemoryPlus.Server.Mcp;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Client;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>The whole server (Program) on a real Kestrel listener on a free loopback port, with its own data folder.</summary>
public sealed class McpTestServer : IAsyncDisposable
{
    /// <summary>The protocol version that still has resources/subscribe and logging/setLevel.</summary>
    public const string Protocol2025 = "2025-11-25";

    private readonly TempDirectory _data;
    private readonly WebApplicationFactory<Program> _factory;

    private McpTestServer(TempDirectory data, WebApplicationFactory<Program> factory, Uri baseAddress)
    {
        _data = data;
        _factory = factory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public Uri Endpoint => new(BaseAddress, McpDoor.Path);

    public IServiceProvider Services => _factory.Services;

    public static McpTestServer Start(IDictionary<string, string?>? settings = null)
    {
        var data = new TempDirectory();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("KernelMemoryPlus:DataDirectory", data.Path);
            foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            {
                b.UseSetting(key, value);
            }
        });
        factory.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new McpTestServer(data, factory, new Uri(address));
    }

    public Task<McpClient> ConnectAsync(string? protocolVersion = Protocol2025, McpClientHandlers? handlers = null) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = Endpoint, TransportMode = HttpTransportMode.StreamableHttp }),
            new McpClientOptions
            {
                ClientInfo = new() { Name = "kmp-tests", Version = "1.0" },
                ProtocolVersion = protocolVersion,
                Handlers = handlers ?? new McpClientHandlers(),
            },
            cancellationToken: TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        _data.Dispose();
    }
}

/// <summary>One server shared by the tests of a class; each test works in its own namespace.</summary>
public sealed class McpServerFixture : IAsyncLifetime
{
    public McpTestServer Server { get; private set; } = null!;

    public ValueTask InitializeAsync()
    {
        Server = McpTestServer.Start();
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
