using System.Diagnostics;
using System.Runtime;
using System.Runtime.InteropServices;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>What the numbers were measured on.</summary>
/// <param name="CpuModel">From /proc/cpuinfo ("model name"), or the architecture when unknown.</param>
/// <param name="LogicalCores">Processors visible to the process.</param>
/// <param name="MemoryGiB">Physical memory (MemTotal), in GiB.</param>
/// <param name="Os">Operating system description.</param>
/// <param name="Architecture">Process architecture.</param>
/// <param name="Runtime">.NET runtime description.</param>
/// <param name="Gc">GC flavour (workstation/server, concurrent).</param>
/// <param name="BuildConfiguration">Release or Debug build of the harness.</param>
/// <param name="GitCommit">HEAD commit of the working tree, when git is available.</param>
/// <param name="GitDirty">Whether the working tree had uncommitted changes.</param>
internal sealed record MachineDescription(
    string CpuModel,
    int LogicalCores,
    double MemoryGiB,
    string Os,
    string Architecture,
    string Runtime,
    string Gc,
    string BuildConfiguration,
    string? GitCommit,
    bool? GitDirty)
{
    /// <summary>Describes the current machine and process.</summary>
    public static MachineDescription Current()
    {
        var (commit, dirty) = Git();
        return new MachineDescription(
            ReadCpuModel(),
            Environment.ProcessorCount,
            ReadMemoryGiB(),
            RuntimeInformation.OSDescription,
            RuntimeInformation.ProcessArchitecture.ToString(),
            RuntimeInformation.FrameworkDescription,
            (GCSettings.IsServerGC ? "server" : "workstation") + (GCSettings.LatencyMode == GCLatencyMode.Batch ? ", non-concurrent" : ", concurrent"),
#if DEBUG
            "Debug",
#else
            "Release",
#endif
            commit,
            dirty);
    }

    private static string ReadCpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (var line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is int colon and > 0)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"unknown {RuntimeInformation.ProcessArchitecture} CPU";
    }

    private static double ReadMemoryGiB()
    {
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                foreach (var line in File.ReadLines("/proc/meminfo"))
                {
                    if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
                    {
                        var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (parts.Length >= 2 && long.TryParse(parts[1], out var kib))
                        {
                            return Math.Round(kib / 1024.0 / 1024.0, 1);
                        }
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024.0 / 1024.0, 1);
    }

    /// <summary>The HEAD commit and dirtiness of the current directory's git work tree (read-only git commands).</summary>
    private static (string? Commit, bool? Dirty) Git()
    {
        var commit = RunGit("rev-parse HEAD")?.Trim();
        if (string.IsNullOrEmpty(commit))
        {
            return (null, null);
        }

        var status = RunGit("status --porcelain --untracked-files=no");
        return (commit, status is null ? null : status.Trim().Length > 0);
    }

    private static string? RunGit(string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(5000))
            {
                process.Kill();
                return null;
            }

            return process.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
