using System.Net.Sockets;
using System.Net.WebSockets;
using KernelMemoryPlus.Server.Realtime;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KernelMemoryPlus.Server.Tests.Realtime;

/// <summary>
/// The server in process, either on the in-memory TestServer or on real Kestrel sockets. Kestrel is used where
/// the network's back-pressure matters: TestServer's WebSocket buffers without limit, so a client that stops
/// reading never slows the server down there.
/// </summary>
internal sealed class RealtimeHost : IAsyncDisposable
{
    // Small socket buffers on both ends so a client that stops reading blocks the server after kilobytes, not megabytes.
    private const int SocketBufferBytes = 4096;

    private readonly TempDirectory _data;
    private readonly WebApplicationFactory<Program> _factory;
    private readonly Uri? _kestrelAddress;
    private readonly List<IDisposable> _clientResources = [];

    private RealtimeHost(TempDirectory data, WebApplicationFactory<Program> factory, Uri? kestrelAddress)
    {
        _data = data;
        _factory = factory;
        _kestrelAddress = kestrelAddress;
    }

    public IServiceProvider Services => _factory.Services;

    public MemoryEngine Engine => Services.GetRequiredService<MemoryEngine>();

    public RealtimeConnections Connections => Services.GetRequiredService<RealtimeConnections>();

    /// <summary>The Kestrel address (ws://127.0.0.1:port); null on TestServer.</summary>
    public Uri? KestrelAddress => _kestrelAddress;

    public static RealtimeHost Start(IDictionary<string, string>? settings = null, bool kestrel = false, Action<IServiceCollection>? services = null)
    {
        var data = new TempDirectory();
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("KernelMemoryPlus:DataDirectory", data.Path);

            // These tests write through the engine beside the door (as the embedding application would): they test the
            // stream, not who may read it (SharingTests does).
            builder.UseSetting("KernelMemoryPlus:Engine:RequirePrincipal", "false");
            foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            {
                builder.UseSetting(key, value);
            }

            if (kestrel)
            {
                builder.UseSetting(WebHostDefaults.ServerUrlsKey, "http://127.0.0.1:0");
                builder.ConfigureServices(s => s.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = endpoint =>
                {
                    // Accepted sockets inherit the listening socket's buffer sizes.
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = SocketBufferBytes;
                    socket.ReceiveBufferSize = SocketBufferBytes;
                    return socket;
                }));
            }

            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });

        try
        {
            Uri? address = null;
            if (kestrel)
            {
                factory.UseKestrel(o => o.Limits.MaxResponseBufferSize = SocketBufferBytes);
                factory.StartServer();
                var http = new Uri(factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
                address = new UriBuilder(http) { Scheme = "ws", Path = RealtimeDoor.Path }.Uri;
            }
            else
            {
                _ = factory.Server;
            }

            return new RealtimeHost(data, factory, address);
        }
        catch
        {
            factory.Dispose();
            data.Dispose();
            throw;
        }
    }

    public HttpClient CreateHttpClient() => _factory.CreateClient();

    /// <summary>Opens a WebSocket to /ws.</summary>
    public async Task<RealtimeClient> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_kestrelAddress is null)
        {
            var client = _factory.Server.CreateWebSocketClient();
            var socket = await client.ConnectAsync(new Uri(_factory.Server.BaseAddress, RealtimeDoor.Path), cancellationToken);
            return new RealtimeClient(socket);
        }

        var kestrelSocket = new ClientWebSocket();
        try
        {
            await ConnectKestrelAsync(kestrelSocket, cancellationToken);
        }
        catch
        {
            kestrelSocket.Dispose();
            throw;
        }

        return new RealtimeClient(kestrelSocket);
    }

    /// <summary>Connects a real client WebSocket to Kestrel through a socket with a small receive buffer.</summary>
    public async Task ConnectKestrelAsync(ClientWebSocket client, CancellationToken cancellationToken)
    {
        var address = _kestrelAddress ?? throw new InvalidOperationException("Started without Kestrel.");
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = SocketBufferBytes };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var invoker = new HttpMessageInvoker(handler);
        lock (_clientResources)
        {
            _clientResources.Add(invoker);
        }

        client.Options.CollectHttpResponseDetails = true;
        await client.ConnectAsync(address, invoker, cancellationToken);
    }

    /// <summary>The connection the server holds, once exactly one is open.</summary>
    public RealtimeConnection SingleConnection() => Assert.Single(Connections.Open);

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        lock (_clientResources)
        {
            foreach (var resource in _clientResources)
            {
                resource.Dispose();
            }
        }

        _data.Dispose();
    }
}
