using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.VectorData;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>Runs a command body and turns failures into a one-line message and an exit code, never a stack trace.</summary>
internal static class CommandRunner
{
    /// <summary>Exit code of a failed run.</summary>
    public const int Failed = 2;

    /// <summary>Exit code of a run cancelled by Ctrl+C.</summary>
    public const int Cancelled = 130;

    /// <summary>Runs <paramref name="body"/>, reporting failures.</summary>
    /// <param name="command">Command name (for messages).</param>
    /// <param name="body">The command's work; returns the exit code.</param>
    /// <param name="cancellationToken">Signalled on Ctrl+C.</param>
    public static async Task<int> RunAsync(string command, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            AnsiConsole.MarkupLine($"[yellow]{command}: cancelled.[/]");
            return Cancelled;
        }
        catch (BenchException ex)
        {
            Fail(command, ex.Message);
            return Failed;
        }
        catch (Exception ex) when (ex is MemoryValidationException or EmbeddingMismatchException or VectorStoreException
            or IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException)
        {
            Fail(command, $"{ex.GetType().Name}: {ex.Message}");
            if (Environment.GetEnvironmentVariable("KMP_BENCH_TRACE") == "1")
            {
                AnsiConsole.WriteException(ex);
            }
            else
            {
                AnsiConsole.MarkupLine("[grey](set KMP_BENCH_TRACE=1 to see the stack trace)[/]");
            }

            return Failed;
        }
    }

    private static void Fail(string command, string message) =>
        AnsiConsole.Console.MarkupLine($"[red]{command} failed:[/] {Markup.Escape(message)}");
}
