using KernelMemoryPlus.Server.Security;
using Microsoft.Extensions.Time.Testing;

namespace KernelMemoryPlus.Server.Tests.Security;

public sealed class ApiKeyStoreTests
{
    [Fact]
    public void Create_StoresOnlyAHash_AndTheKeyValidates()
    {
        using var data = new TempDirectory();
        var store = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));

        var (entry, key) = store.Create("alice", "agent");

        Assert.StartsWith($"kmp_{entry.Id}_", key, StringComparison.Ordinal);
        Assert.Equal(entry, store.Validate(key));
        var file = File.ReadAllText(store.Path);
        // The secret is what follows "kmp_{id}_" (base64url: it may itself hold '_').
        Assert.DoesNotContain(key[$"kmp_{entry.Id}_".Length..], file, StringComparison.Ordinal);
        Assert.Contains(entry.SecretSha256, file, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(store.Path));
        }

        Assert.True(store.HasActiveKeys);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer something")]
    [InlineData("kmp_")]
    [InlineData("kmp_nope")]
    [InlineData("kmp_000000000000_secret")]
    public void Validate_RefusesMalformedOrUnknownKeys(string? presented)
    {
        using var data = new TempDirectory();
        var store = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));
        store.Create("alice", "agent");

        Assert.Null(store.Validate(presented));
    }

    [Fact]
    public void Validate_RefusesAKeyWithAnotherSecret()
    {
        using var data = new TempDirectory();
        var store = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));
        var (entry, key) = store.Create("alice", "agent");

        Assert.Null(store.Validate($"kmp_{entry.Id}_{new string('A', 43)}"));
        Assert.Null(store.Validate(key + "x"));
    }

    [Fact]
    public void Revoke_EndsTheKey_AndAnotherProcessSeesItAfterTheRecheck()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "api-keys.json");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new ApiKeyStore(path, time);
        var cli = new ApiKeyStore(path);
        var (entry, key) = cli.Create("alice", "agent");
        Assert.NotNull(server.Validate(key));

        Assert.True(cli.Revoke(entry.Id));
        Assert.False(cli.Revoke(entry.Id));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5)); // a distinct write time, whatever the file system's resolution
        time.Advance(TimeSpan.FromSeconds(2));

        Assert.Null(server.Validate(key));
        Assert.False(server.HasActiveKeys);
        Assert.NotNull(Assert.Single(server.List()).RevokedUtc);
    }

    [Theory]
    [InlineData("", "agent")]
    [InlineData("two words", "agent")]
    [InlineData("alice", "root")]
    public void Create_RefusesBadPrincipalsAndRoles(string principal, string role)
    {
        using var data = new TempDirectory();
        var store = new ApiKeyStore(Path.Combine(data.Path, "api-keys.json"));

        Assert.Throws<ArgumentException>(() => store.Create(principal, role));
        Assert.False(File.Exists(store.Path));
    }

    [Fact]
    public void ACorruptKeyFile_IsReportedNotIgnored()
    {
        using var data = new TempDirectory();
        var path = Path.Combine(data.Path, "api-keys.json");
        File.WriteAllText(path, "{ not json");
        var store = new ApiKeyStore(path);

        var error = Assert.Throws<InvalidDataException>(() => store.HasActiveKeys);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
