// Shared by the samples (linked into each project): the KernelMemoryPlus server for a sample. KMP_SERVER_URL points
// at a running one; otherwise the server built next to the sample is started as a child process on a free loopback
// port with its data in a temporary folder, and stopped (and the folder deleted) at the end.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Samples;

internal sealed class SampleServer : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly string? _data;

    private SampleServer(Uri baseAddress, Process? process, string? data)
    {
        BaseAddress = baseAddress;
        _process = process;
        _data = data;
    }

    public Uri BaseAddress { get; }

    public static async Task<SampleServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable("KMP_SERVER_URL") is { Length: > 0 } url)
        {
            return new SampleServer(new Uri(url), null, null);
        }

        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var data = Path.Combine(Path.GetTempPath(), "kmp-sample-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(data);
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"));
        info.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        info.Environment["KMP_DATA_DIR"] = data;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the server.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SampleServer(baseAddress, process, data);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var deadline = DateTime.UtcNow.AddSeconds(60); ; await Task.Delay(200))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode}.");
            }

            try
            {
                using var health = await http.GetAsync(new Uri(baseAddress, "/healthz"));
                if (health.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException("The server did not become healthy within 60 seconds.");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }

        if (_data is not null)
        {
            try
            {
                Directory.Delete(_data, recursive: true);
            }
            catch (IOException)
            {
                // A file still held for a moment; it is in the temp folder.
            }
        }
    }
}
