using System.Text.Json;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace KernelMemoryPlus.Plugin;

/// <summary>
/// The four memory plugins as Microsoft.Extensions.AI tools, for any <see cref="IChatClient"/> with function calling
/// (<c>FunctionInvokingChatClient</c>) or an Agent Framework agent, without writing Semantic Kernel code.
/// </summary>
public static class AgentMemoryTools
{
    /// <summary>Creates the tools (<c>record_event</c>, <c>recall_events</c>, <c>remember_fact</c>, ...) bound to one namespace.</summary>
    /// <param name="memory">The agent memory: in process, REST or MCP.</param>
    /// <param name="ns">The namespace the tools read and write.</param>
    /// <returns>Eleven tools with unique, unqualified names. Bad arguments give an "Error: ..." result, never an exception.</returns>
    public static IReadOnlyList<AIFunction> Create(IAgentMemory memory, string ns)
    {
        var kernel = new Kernel().AddKernelMemoryPlus(memory, ns);
        var tools = new List<AIFunction>();
        foreach (var plugin in kernel.Plugins)
        {
            foreach (var function in plugin.AsAIFunctions(kernel))
            {
                var name = function.Name.Length > plugin.Name.Length + 1 && function.Name.StartsWith(plugin.Name, StringComparison.Ordinal)
                    ? function.Name[(plugin.Name.Length + 1)..]
                    : function.Name;
                tools.Add(new MemoryTool(function, name, plugin[name]));
            }
        }

        return tools;
    }

    // Semantic Kernel prefixes a function's name with its plugin's; the plain names are unique here and read better.
    // Arguments the model got wrong fail before the kernel's filters run, so they are answered here too.
    private sealed class MemoryTool(AIFunction inner, string name, KernelFunction function) : DelegatingAIFunction(inner)
    {
        public override string Name => name;

        public override string ToString() => name;

        protected override async ValueTask<object?> InvokeCoreAsync(AIFunctionArguments arguments, CancellationToken cancellationToken)
        {
            try
            {
                return await base.InvokeCoreAsync(arguments, cancellationToken);
            }
            catch (Exception ex) when (ex is KernelException or ArgumentException or FormatException or InvalidCastException or NotSupportedException or JsonException)
            {
                return MemoryFunctionErrorFilter.Describe(function, ex);
            }
        }
    }
}
