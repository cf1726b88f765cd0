using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace KernelMemoryPlus.Server.Tests.Hosting;

public sealed class ServerHostingTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Healthz_InProcess_ReportsStoreStatus()
    {
        using var data = new TempDirectory();
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(b => b.UseSetting("KernelMemoryPlus:DataDirectory", data.Path));
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("kmp-sqlite", json.RootElement.GetProperty("store").GetString());
        Assert.Equal("kmp-offline-v1", json.RootElement.GetProperty("embeddingModel").GetString());
        Assert.Equal(384, json.RootElement.GetProperty("dimensions").GetInt32());
        Assert.True(File.Exists(Path.Combine(data.Path, "memory.db")));
    }

    [Fact]
    public async Task Server_AsProcess_ListensOnAspNetCoreUrlsAndKeepsDataInKmpDataDir()
    {
        using var data = new TempDirectory();
        await using var server = ServerProcess.Start(data.Path);

        using var response = await server.WaitHealthyAsync(StartTimeout, TestContext.Current.CancellationToken);

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        Assert.Equal(Path.GetFullPath(data.Path), json.RootElement.GetProperty("dataDirectory").GetString());
        Assert.True(File.Exists(Path.Combine(data.Path, "memory.db")));
    }

    [Fact]
    public async Task Server_WithCorruptDatabase_RefusesToStartAndLeavesTheFileUntouched()
    {
        using var data = new TempDirectory();
        var db = Path.Combine(data.Path, "memory.db");
        var garbage = new byte[64 * 1024];
        new Random(42).NextBytes(garbage);
        await File.WriteAllBytesAsync(db, garbage, TestContext.Current.CancellationToken);
        var before = SHA256.HashData(garbage);

        await using var server = ServerProcess.Start(data.Path);
        int exitCode = await server.WaitForExitAsync(StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("cannot start", server.Errors, StringComparison.Ordinal);
        Assert.Contains("memory.db", server.Errors, StringComparison.Ordinal);
        Assert.Equal(before, SHA256.HashData(await File.ReadAllBytesAsync(db, TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Server_WithUnknownEmbeddingProvider_RefusesToStartNamingTheSetting()
    {
        using var data = new TempDirectory();
        await using var server = ServerProcess.Start(data.Path, new Dictionary<string, string> { ["KernelMemoryPlus__Embeddings__Provider"] = "magic" });

        int exitCode = await server.WaitForExitAsync(StartTimeout);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Embeddings:Provider", server.Errors + server.Output, StringComparison.Ordinal);
    }
}
