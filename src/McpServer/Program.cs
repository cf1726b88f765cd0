using KernelMemoryPlus.Server.Api;
using KernelMemoryPlus.Server.Health;
using KernelMemoryPlus.Server.Hosting;
using KernelMemoryPlus.Server.Mcp;
using KernelMemoryPlus.Server.Realtime;
using KernelMemoryPlus.Server.Security;

if (args.Length > 0 && args[0] == "keys")
{
    // dotnet run --project src/McpServer -- keys create --principal NAME --role agent|admin
    return await KeysCommand.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "audit")
{
    // dotnet run --project src/McpServer -- audit verify
    return AuditCommand.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "encryption")
{
    // dotnet run --project src/McpServer -- encryption status|rotate
    return await EncryptionCommand.RunAsync(args[1..]);
}

if (args.Contains("--stdio", StringComparer.Ordinal))
{
    // MCP over stdin/stdout; logs go to stderr so they never corrupt the protocol stream.
    return await McpStdioHost.RunAsync(args.Where(a => a != "--stdio").ToArray());
}

// appsettings.json ships beside the binary; relative paths in settings (the data folder) are taken from the
// working directory, so `dotnet run --project src/McpServer` keeps its data in ./data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddKernelMemoryPlusServer();
builder.AddKernelMemoryPlusSecurity();
builder.AddMcpDoor();
builder.AddRestApi();
builder.AddRealtime();

// Disposed on every way out, so the console logger's queue is flushed: a refusal to start (below) must be seen.
await using var app = builder.Build();
if (!app.CheckExposure())
{
    return 1;
}

app.UseKernelMemoryPlusSecurity();
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
