using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Security;

/// <summary><c>audit verify</c>: checks the audit log's hash chain (exit 0 intact, 1 broken or unreadable).</summary>
public static class AuditCommand
{
    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after <c>audit</c>.</param>
    /// <returns>The exit code.</returns>
    public static int Run(string[] args)
    {
        if (args is not ["verify"])
        {
            Console.Error.WriteLine("usage: audit verify   (checks the hash chain of the audit log in the data folder)");
            return 1;
        }

        using var host = SecurityHostingExtensions.BuildCommandHost();
        try
        {
            var path = host.Services.GetRequiredService<AuditLog>().Path;
            if (!File.Exists(path))
            {
                Console.WriteLine($"No audit log at {path} yet: nothing to verify.");
                return 0;
            }

            var result = AuditLog.Verify(path);
            if (result.IsIntact)
            {
                Console.WriteLine($"{result.Entries} entries, chain intact ({path}).");
                return 0;
            }

            Console.Error.WriteLine($"The audit log is broken at line {result.BrokenLine}: {result.Problem}. {result.Entries} entries before it verify ({path}).");
            return 1;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or OptionsValidationException)
        {
            Console.Error.WriteLine($"audit: {ex.Message}");
            return 1;
        }
    }
}
