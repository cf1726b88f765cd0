using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Peer;

/// <summary>
/// A server started as a child process: stdin/stdout either carry MCP (stdio servers) or are drained; stderr is
/// drained into a short tail for error messages. Stopped gracefully (stdin closed or SIGTERM), killed if it hangs.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private const int TailLines = 40;
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly List<double> _handlerMs = [];
    private readonly bool _stdio;
    private long _outputLines;

    private ChildProcess(Process process, bool stdio)
    {
        _process = process;
        _stdio = stdio;
    }

    /// <summary>The process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Whether the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The server's stdin (stdio servers only).</summary>
    public Stream StandardInput => _stdio ? _process.StandardInput.BaseStream : throw new InvalidOperationException("Not a stdio server.");

    /// <summary>The server's stdout (stdio servers only).</summary>
    public Stream StandardOutput => _stdio ? _process.StandardOutput.BaseStream : throw new InvalidOperationException("Not a stdio server.");

    /// <summary>Lines the server wrote to its log streams (stderr, and stdout for non-stdio servers).</summary>
    public long LogLines => Interlocked.Read(ref _outputLines);

    /// <summary>
    /// How many tools/call handler times the server has logged so far. The MCP C# SDK logs at Information level
    /// "method 'tools/call' request handler completed in N ms" for every call; our server's default logging keeps it.
    /// </summary>
    public int HandlerTimeCount
    {
        get
        {
            lock (_handlerMs)
            {
                return _handlerMs.Count;
            }
        }
    }

    /// <summary>The tools/call handler times (ms) logged from index <paramref name="from"/> on.</summary>
    /// <param name="from">The first index.</param>
    public List<double> HandlerTimesFrom(int from)
    {
        lock (_handlerMs)
        {
            return _handlerMs.Skip(from).ToList();
        }
    }

    /// <summary>Starts a process.</summary>
    /// <param name="fileName">The executable.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="workingDirectory">The working directory.</param>
    /// <param name="stdio">True when stdin/stdout carry the protocol.</param>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory, bool stdio)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = stdio,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (stdio)
        {
            info.StandardInputEncoding = new UTF8Encoding(false);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(process, stdio);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!stdio)
        {
            process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        }

        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            process.Dispose();
            throw new BenchException($"Cannot start '{fileName}': {ex.Message}.");
        }

        process.BeginErrorReadLine();
        if (!stdio)
        {
            process.BeginOutputReadLine();
        }

        return child;
    }

    /// <summary>The last lines the server logged.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join('\n', _tail);
        }
    }

    /// <summary>Throws a <see cref="BenchException"/> with the log tail when the process has exited.</summary>
    /// <param name="what">Which server (for the message).</param>
    public void ThrowIfExited(string what)
    {
        if (_process.HasExited)
        {
            throw new BenchException($"{what} exited with code {_process.ExitCode}. Its last log lines: {LastLines(5)}");
        }
    }

    /// <summary>The last few log lines on one line.</summary>
    /// <param name="count">How many.</param>
    public string LastLines(int count)
    {
        lock (_tail)
        {
            var lines = _tail.Where(l => l.Length > 0).TakeLast(count).ToList();
            return lines.Count == 0 ? "(none)" : string.Join(" | ", lines);
        }
    }

    /// <summary>
    /// Stops the server: closes stdin (stdio) or sends SIGTERM, waits up to <paramref name="grace"/>, then kills it.
    /// </summary>
    /// <param name="grace">How long to wait for a clean exit.</param>
    /// <returns>The exit code, or null when it had to be killed.</returns>
    public async Task<int?> StopAsync(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            try
            {
                if (_stdio)
                {
                    _process.StandardInput.Close();
                }
                else if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
                {
                    _ = NativeMethods.kill(_process.Id, 15);
                }
            }
            catch (IOException)
            {
            }
            catch (InvalidOperationException)
            {
            }

            using var cts = new CancellationTokenSource(grace);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
                return null;
            }
        }

        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        Interlocked.Increment(ref _outputLines);
        if (line.Contains("request handler completed in", StringComparison.Ordinal)
            && HandlerTime().Match(line) is { Success: true } match
            && double.TryParse(match.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
        {
            lock (_handlerMs)
            {
                _handlerMs.Add(ms);
            }
        }

        lock (_tail)
        {
            _tail.Enqueue(line.Length > 400 ? line[..400] : line);
            while (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    [GeneratedRegex(@"method 'tools/call' request handler completed in ([0-9.]+)ms", RegexOptions.CultureInvariant)]
    private static partial Regex HandlerTime();

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int kill(int pid, int signal);
    }
}

/// <summary>CPU time and resident memory of a process, from /proc (Linux; null elsewhere).</summary>
internal static class ProcStats
{
    // USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build.
    private const double ClockTicksPerSecond = 100.0;

    /// <summary>User plus system CPU seconds the process has used, or null.</summary>
    /// <param name="pid">The process id.</param>
    public static double? CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            int close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / ClockTicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Resident set size (VmRSS) in bytes, or null.</summary>
    /// <param name="pid">The process id.</param>
    public static long? RssBytes(int pid) => StatusKiB(pid, "VmRSS:") * 1024;

    /// <summary>Peak resident set size (VmHWM) in bytes, or null.</summary>
    /// <param name="pid">The process id.</param>
    public static long? PeakRssBytes(int pid) => StatusKiB(pid, "VmHWM:") * 1024;

    /// <summary>CPU seconds of the current (harness) process.</summary>
    public static double SelfCpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>The 1-minute load average, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    private static long? StatusKiB(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return long.Parse(parts[1], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
        }

        return null;
    }
}
