using System.Runtime.InteropServices;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>
/// CPU time consumed by the calling thread (Linux <c>CLOCK_THREAD_CPUTIME_ID</c>). On a shared, noisy machine the
/// wall clock also counts the time the thread waited for a core; the thread's CPU time does not, so it shows what
/// an operation costs by itself. Valid for operations that complete on the calling thread (the offline embedder and
/// a hot namespace index make recall synchronous).
/// </summary>
internal static class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;
    private static readonly bool s_available = Probe();

    /// <summary>Whether thread CPU time can be read on this platform.</summary>
    public static bool IsAvailable => s_available;

    /// <summary>The calling thread's CPU time in nanoseconds, or 0 when unavailable.</summary>
    public static long NowNanoseconds()
    {
        if (!s_available)
        {
            return 0;
        }

        return NativeMethods.clock_gettime(ClockThreadCpuTimeId, out var ts) == 0 ? (ts.Seconds * 1_000_000_000L) + ts.Nanoseconds : 0;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return NativeMethods.clock_gettime(ClockThreadCpuTimeId, out _) == 0;
        }
        catch (DllNotFoundException)
        {
            return false;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static class NativeMethods
    {
        [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int clock_gettime(int clockId, out Timespec timespec);
    }
}
