using KernelMemoryPlus.Encryption;
using Microsoft.Extensions.DependencyInjection;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>Encryption at rest for an application that registers the engine itself: on by default with SQLite, configurable.</summary>
public sealed class EncryptionRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UseSqlite_WithoutKeys_GeneratesAKeyFileBesideTheDatabase_AndSeals()
    {
        using var data = new TempDirectory();
        await using var services = new ServiceCollection().AddKernelMemoryPlus().UseSqlite(Path.Combine(data.Path, "agent.db")).Services.BuildServiceProvider();
        var engine = services.GetRequiredService<MemoryEngine>();

        await engine.RememberAsync(new NewMemory { Namespace = "n", Content = "sealed by default" }, Ct);

        var ring = MemoryKeyRing.OpenFile(Path.Combine(data.Path, "agent.keys.json"), create: false);
        var status = await MemoryEncryption.GetStatusAsync(engine.Store, null, ring, Ct);
        Assert.Equal([ring.PrimaryKeyId], status.Memories.Keys);
    }

    [Fact]
    public async Task UseEncryption_ConfiguredKey_IsUsed_AndNoKeyFileIsWritten()
    {
        using var data = new TempDirectory();
        var key = MemoryKeyRing.GenerateKey();
        await using var services = new ServiceCollection().AddKernelMemoryPlus().UseSqlite(Path.Combine(data.Path, "agent.db")).UseEncryption(o => o.Key = key).Services.BuildServiceProvider();
        var engine = services.GetRequiredService<MemoryEngine>();

        await engine.RememberAsync(new NewMemory { Namespace = "n", Content = "sealed with the configured key" }, Ct);

        var status = await MemoryEncryption.GetStatusAsync(engine.Store, null, MemoryKeyRing.FromKeys(key), Ct);
        Assert.Equal([MemoryKeyRing.KeyIdOf(key)], status.Memories.Keys);
        Assert.Empty(status.UnknownKeyIds);
        Assert.False(File.Exists(Path.Combine(data.Path, "agent.keys.json")));
    }

    [Fact]
    public async Task UseEncryption_Off_WritesPlaintext()
    {
        using var data = new TempDirectory();
        await using var services = new ServiceCollection().AddKernelMemoryPlus().UseSqlite(Path.Combine(data.Path, "agent.db")).UseEncryption(o => o.Enabled = false).Services.BuildServiceProvider();
        var engine = services.GetRequiredService<MemoryEngine>();

        await engine.RememberAsync(new NewMemory { Namespace = "n", Content = "plain" }, Ct);

        var status = await MemoryEncryption.GetStatusAsync(engine.Store, null, null, Ct);
        Assert.Equal([EncryptionStatus.Plaintext], status.Memories.Keys);
        Assert.False(File.Exists(Path.Combine(data.Path, "agent.keys.json")));
    }
}
