using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>
/// Turns a failed call of a KernelMemoryPlus plugin function — a required argument missing, a value of the wrong type,
/// any error the function did not already answer with "Error: ..." — into a short error result the model can act on,
/// so a bad tool call never ends the agent's run. Calls of other plugins pass through untouched.
/// </summary>
/// <remarks>The error names the function and the problem, never argument values (they may hold memory contents).</remarks>
public sealed class MemoryFunctionErrorFilter : IFunctionInvocationFilter
{
    private static readonly HashSet<Type> PluginTypes =
        [typeof(EpisodicMemoryPlugin), typeof(SemanticMemoryPlugin), typeof(ProceduralMemoryPlugin), typeof(AssociativeMemoryPlugin)];

    /// <inheritdoc />
    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (context.Function.UnderlyingMethod?.DeclaringType is not { } type || !PluginTypes.Contains(type))
        {
            await next(context);
            return;
        }

        try
        {
            await next(context);
        }
        catch (Exception ex) when (ex is KernelException or ArgumentException or FormatException or InvalidCastException or NotSupportedException)
        {
            context.Result = new FunctionResult(context.Function, Describe(context.Function, ex));
        }
    }

    internal static string Describe(KernelFunction function, Exception exception)
    {
        var parameters = string.Join(", ", function.Metadata.Parameters.Select(p => p.IsRequired ? p.Name + " (required)" : p.Name));
        var problem = exception switch
        {
            KernelException k when k.Message.StartsWith("Missing argument", StringComparison.Ordinal) => k.Message,
            ArgumentException { ParamName: { } name } => $"the argument '{name}' has a wrong or missing value",
            _ => "an argument has the wrong type or shape",
        };
        return $"Error: {function.Name}: {problem.TrimEnd('.')}. Parameters: {parameters}.";
    }
}
