using System.Text.Json;
using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Tests.Storage;
using Microsoft.Extensions.Time.Testing;

namespace KernelMemoryPlus.Tests.Encryption;

public sealed class KeyRingTests
{
    [Fact]
    public void OpenFile_Missing_CreatesAnOwnerOnlyFileWithOneKey_AndReopeningKeepsIt()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("memory.keys.json");

        var created = MemoryKeyRing.OpenFile(path);
        var reopened = MemoryKeyRing.OpenFile(path);

        Assert.True(created.Created);
        Assert.False(reopened.Created);
        Assert.Equal(created.PrimaryKeyId, reopened.PrimaryKeyId);
        Assert.Matches("^[0-9a-f]{8}$", created.PrimaryKeyId);
        var key = Assert.Single(created.Keys);
        Assert.True(key.IsPrimary);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.True(created.IsOwnerOnly);
        Assert.Equal([path, path + ".lock"], Directory.GetFiles(files.Directory).Order(StringComparer.Ordinal)); // no temporary file left behind
    }

    [Fact]
    public void OpenFile_MissingAndNotToBeCreated_SaysWhereItLooked()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("nope.keys.json");

        var ex = Assert.Throws<MemoryEncryptionException>(() => MemoryKeyRing.OpenFile(path, create: false));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task OpenFile_ManyCreatorsAtOnce_AllEndUpWithTheSameKey()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("memory.keys.json");

        var rings = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => MemoryKeyRing.OpenFile(path), TestContext.Current.CancellationToken)));

        Assert.Single(rings.Select(r => r.PrimaryKeyId).Distinct());
        Assert.Single(rings, r => r.Created);
    }

    [Fact]
    public void AddKeyAndRetire_AnotherInstanceFollowsTheFile_AfterItsRefreshInterval()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("memory.keys.json");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = MemoryKeyRing.OpenFile(path, refreshInterval: TimeSpan.FromSeconds(1), timeProvider: time);
        var cli = MemoryKeyRing.OpenFile(path);
        var first = server.PrimaryKeyId;

        var second = cli.AddKey();
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5)); // a distinct stamp, whatever the file system's resolution

        Assert.Equal(first, server.PrimaryKeyId); // not looked at yet
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(second, server.PrimaryKeyId);
        Assert.Equal([first, second], server.Keys.Select(k => k.Id));

        Assert.Equal([first], cli.RetireOldKeys());
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(10));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal([second], server.Keys.Select(k => k.Id));
    }

    [Fact]
    public void Find_UnknownKeyId_ReadsTheFileAtOnce()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("memory.keys.json");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = MemoryKeyRing.OpenFile(path, refreshInterval: TimeSpan.FromHours(1), timeProvider: time);
        var added = MemoryKeyRing.OpenFile(path).AddKey();
        time.Advance(TimeSpan.FromSeconds(1));

        var found = server.Find(Convert.ToUInt32(added, 16));

        Assert.NotNull(found);
        Assert.Equal(added, found.IdText);
    }

    [Fact]
    public void FromKeys_ConfiguredKeys_PrimaryWritesAndPreviousOnlyOpen()
    {
        var oldKey = MemoryKeyRing.GenerateKey();
        var newKey = MemoryKeyRing.GenerateKey();

        var ring = MemoryKeyRing.FromKeys(newKey, [oldKey]);

        Assert.Null(ring.FilePath);
        Assert.Equal(MemoryKeyRing.KeyIdOf(newKey), ring.PrimaryKeyId);
        Assert.Equal(2, ring.Keys.Count);
        Assert.Throws<InvalidOperationException>(() => ring.AddKey());
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 39 bytes
    public void InvalidKeys_AreRefused(string key)
    {
        Assert.False(MemoryKeyRing.IsValidKey(key));
        Assert.Throws<ArgumentException>(() => MemoryKeyRing.FromKeys(key));
        var options = new KernelMemoryPlusOptions();
        options.Encryption.Key = key;
        var ex = Assert.Throws<InvalidOperationException>(options.Validate);
        Assert.Contains("Encryption:Key", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedKeyFile_ClearError_WithoutAnyKeyMaterial()
    {
        using var files = new SqliteTestFiles();
        var path = files.PathOf("memory.keys.json");
        MemoryKeyRing.OpenFile(path);
        var text = File.ReadAllText(path);
        var key = JsonDocument.Parse(text).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;

        File.WriteAllText(path, text.Replace(key, key[..^4] + "AAA=", StringComparison.Ordinal));
        var changed = Assert.Throws<MemoryEncryptionException>(() => MemoryKeyRing.OpenFile(path));
        File.WriteAllText(path, text[..(text.Length / 2)]);
        var truncated = Assert.Throws<MemoryEncryptionException>(() => MemoryKeyRing.OpenFile(path));

        Assert.Contains("edited or damaged", changed.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", truncated.Message, StringComparison.Ordinal);
        foreach (var message in new[] { changed.Message, truncated.Message })
        {
            Assert.DoesNotContain(key[..12], message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void KeyAndKeyFileBothSet_IsRefused_WithoutEchoingTheKey()
    {
        var options = new KernelMemoryPlusOptions();
        options.Encryption.Key = MemoryKeyRing.GenerateKey();
        options.Encryption.KeyFile = "x.keys.json";

        var ex = Assert.Throws<InvalidOperationException>(options.Validate);

        Assert.Contains("both set", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(options.Encryption.Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultKeyFile_IsBesideTheDatabase()
    {
        var db = Path.Combine(Path.GetTempPath(), "x", "agent.db");

        Assert.Equal(Path.Combine(Path.GetTempPath(), "x", "agent.keys.json"), EncryptionOptions.DefaultKeyFileFor(db));
    }
}
