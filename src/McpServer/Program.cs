using KernelMemoryPlus.Server.Api;
using KernelMemoryPlus.Server.Health;
using KernelMemoryPlus.Server.Hosting;
using KernelMemoryPlus.Server.Mcp;
using KernelMemoryPlus.Server.Realtime;

if (args.Contains("--stdio", StringComparer.Ordinal))
{
    // MCP over stdin/stdout; logs go to stderr so they never corrupt the protocol stream.
    return await McpStdioHost.RunAsync(args.Where(a => a != "--stdio").ToArray());
}

// appsettings.json ships beside the binary; relative paths in settings (the data folder) are taken from the
// working directory, so `dotnet run --project src/McpServer` keeps its data in ./data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddKernelMemoryPlusServer();
builder.AddMcpDoor();
builder.AddRestApi();
builder.AddRealtime();

var app = builder.Build();
app.MapKernelMemoryPlusHealth();
app.MapMcpDoor();
app.MapRestApi();
app.MapRealtime();

if (!await app.OpenMemoryStoreAsync())
{
    return 1;
}

await app.RunAsync();
return 0;

/// <summary>The server's entry point (public so tests can host it).</summary>
public partial class Program;
