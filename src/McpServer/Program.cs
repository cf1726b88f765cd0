using KernelMemoryPlus.Server.Health;
using KernelMemoryPlus.Server.Hosting;

// appsettings.json ships beside the binary; relative paths in settings (the data folder) are taken from the
// working directory, so `dotnet run --project src/McpServer` keeps its data in ./data.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddKernelMemoryPlusServer();

var app = builder.Build();
app.MapKernelMemoryPlusHealth();

if (!await app.OpenMemoryStoreAsync())
{
    return 1;
}

await app.RunAsync();
return 0;

/// <summary>The server's entry point (public so tests can host it).</summary>
public partial class Program;
