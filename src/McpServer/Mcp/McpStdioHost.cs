using KernelMemoryPlus.Server.Hosting;
using KernelMemoryPlus.Server.Mcp.Internal;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Mcp;

/// <summary>MCP over stdin/stdout.</summary>
public static class McpStdioHost
{
    /// <summary>Runs the stdio server until stdin closes.</summary>
    /// <param name="args">Command-line arguments without --stdio.</param>
    /// <returns>The exit code.</returns>
    /// <remarks>
    /// stdout carries the protocol only: every log goes to stderr. Settings, the data folder (KMP_DATA_DIR) and the
    /// engine are those of the web host.
    /// </remarks>
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.AddSimpleConsole(o => o.ColorBehavior = LoggerColorBehavior.Disabled);
        builder.AddKernelMemoryPlusEngine();
        builder.Services.AddOptions<Security.SecuritySettings>().Bind(builder.Configuration.GetSection(Security.SecuritySettings.SectionName));
        builder.Services.AddKernelMemoryPlusMcp(builder.Configuration, isHttp: false).WithStdioServerTransport();

        using var host = builder.Build();
        try
        {
            _ = host.Services.GetRequiredService<IOptions<McpDoorOptions>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            await Console.Error.WriteLineAsync($"KernelMemoryPlus cannot start: {ex.Message}");
            return 1;
        }

        if (!await host.OpenMemoryStoreAsync())
        {
            return 1;
        }

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("KernelMemoryPlus.Server");
        var dataDirectory = host.Services.GetRequiredService<ServerSettings>().DataDirectory;
        Log.StdioReady(logger, dataDirectory);

        await host.RunAsync();
        return 0;
    }
}
