// Shared by the samples (linked into each project): the KernelMemoryPlus server for a sample. KMP_SERVER_URL points
// at a running one; otherwise the server built next to the sample is started as a child process on a free loopback
// port with its data in a temporary folder, and stopped (and the folder deleted) at the end.
// A sample whose agents need their own identities names them: StartAsync("researcher", "planner") creates one API key
// per principal (role agent) in the data folder with the server's `keys create` verb before the server starts, and
// Keys holds them. Once a key exists the server requires one on every request. With KMP_SERVER_URL the keys come from
// the environment instead: KMP_SAMPLE_KEY_RESEARCHER, KMP_SAMPLE_KEY_PLANNER, ... (KeyVariable), keys created on that
// server for principals of those names; Keys holds only those that are set.
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Samples;

internal sealed class SampleServer : IAsyncDisposable
{
    private readonly Process? _process;
    private readonly string? _data;

    private SampleServer(Uri baseAddress, Process? process, string? data, IReadOnlyDictionary<string, string> keys)
    {
        BaseAddress = baseAddress;
        _process = process;
        _data = data;
        Keys = keys;
    }

    public Uri BaseAddress { get; }

    /// <summary>True when KMP_SERVER_URL names a running server (its data outlives the sample).</summary>
    public bool IsExternal => _process is null;

    /// <summary>The API key of each principal the sample asked for (only those set in the environment when external).</summary>
    public IReadOnlyDictionary<string, string> Keys { get; }

    /// <summary>The environment variable that holds a principal's key for an external server.</summary>
    public static string KeyVariable(string principal) =>
        "KMP_SAMPLE_KEY_" + new string(principal.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_').ToArray());

    public static async Task<SampleServer> StartAsync(params string[] principalsNeedingKeys)
    {
        if (Environment.GetEnvironmentVariable("KMP_SERVER_URL") is { Length: > 0 } url)
        {
            var given = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var principal in principalsNeedingKeys)
            {
                if (Environment.GetEnvironmentVariable(KeyVariable(principal)) is { Length: > 0 } key)
                {
                    given[principal] = key.Trim();
                }
            }

            return new SampleServer(new Uri(url), null, null, given);
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
        var keys = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var principal in principalsNeedingKeys)
            {
                keys[principal] = await CreateKeyAsync(data, principal);
            }
        }
        catch
        {
            DeleteData(data);
            throw;
        }

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
        var server = new SampleServer(baseAddress, process, data, keys);

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
            DeleteData(_data);
        }
    }

    // `dotnet KernelMemoryPlus.McpServer.dll keys create --principal NAME --role agent` on the data folder: the key is
    // the line it prints on stdout (a note about it goes to stderr).
    private static async Task<string> CreateKeyAsync(string data, string principal)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = data };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "KernelMemoryPlus.McpServer.dll"));
        foreach (var argument in new[] { "keys", "create", "--principal", principal, "--role", "agent" })
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["KMP_DATA_DIR"] = data;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not run the server's keys verb.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Creating the API key for '{principal}' took more than 60 seconds.");
        }

        var key = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(line => line.StartsWith("kmp_", StringComparison.Ordinal));
        if (process.ExitCode != 0 || key is null)
        {
            throw new InvalidOperationException($"Creating the API key for '{principal}' failed (exit code {process.ExitCode}): {(await errors).Trim()}");
        }

        return key;
    }

    private static void DeleteData(string data)
    {
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment; it is in the temp folder.
        }
    }
}
