using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace KernelMemoryPlus.Server.Tests;

/// <summary>The real server, started as its own process on a free loopback port, as a user would run it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static ServerProcess Start(string dataDirectory, IDictionary<string, string>? environment = null, params string[] arguments)
    {
        int port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var dll = Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["ASPNETCORE_URLS"] = baseAddress.ToString();
        info.Environment["KMP_DATA_DIR"] = dataDirectory;
        info.Environment["DOTNET_NOLOGO"] = "1";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, baseAddress);
        process.OutputDataReceived += (_, e) =>
        {
            lock (server._output)
            {
                server._output.AppendLine(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (server._errors)
            {
                server._errors.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Polls /healthz until it answers 200, the process exits, or the time is up.</summary>
    public async Task<HttpResponseMessage> WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode}.\nstdout:\n{Output}\nstderr:\n{Errors}");
            }

            try
            {
                var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return response;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The server did not become healthy in {timeout}.\nstdout:\n{Output}\nstderr:\n{Errors}");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>Runs a command-line verb of the server (<c>keys</c>, <c>audit</c>) on a data folder to completion.</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunVerbAsync(string dataDirectory, CancellationToken cancellationToken, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataDirectory,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["KMP_DATA_DIR"] = dataDirectory;
        info.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output, await errors);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
