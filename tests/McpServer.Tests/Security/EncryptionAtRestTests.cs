using KernelMemoryPlus.Tests.Encryption;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace KernelMemoryPlus.Server.Tests.Security;

/// <summary>
/// Encryption at rest through the real server process: no file of the data folder holds what was stored (and with
/// encryption off the same grep finds it), a wrong key stops start-up, the rotate verb runs beside a busy server and
/// loses nothing, and an old plaintext store loads and is encrypted by the verb.
/// </summary>
public sealed class EncryptionAtRestTests
{
    /// <summary>Lower case: tags and predicates are normalized to lower case.</summary>
    private const string Secret = "zqxsecret8472";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DataFolder_HoldsNoStoredPlaintext_UnlessEncryptionIsOff(bool encrypted)
    {
        using var data = new TempDirectory();
        var environment = encrypted ? null : new Dictionary<string, string> { ["KernelMemoryPlus__Encryption__Enabled"] = "false" };
        string output;
        await using (var server = ServerProcess.Start(data.Path, environment))
        {
            using var healthy = await server.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            await StoreSecretsAsync(client, "vault");
            output = server.Output + server.Errors;
        }

        var found = DataFolderScan.FilesContaining(data.Path, Secret);
        var keyFile = Path.Combine(data.Path, "memory.keys.json");
        if (!encrypted)
        {
            Assert.NotEmpty(found);
            Assert.False(File.Exists(keyFile));
            Assert.Contains("Encryption at rest is switched off", output, StringComparison.Ordinal);
            return;
        }

        Assert.Empty(found);
        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        Assert.Contains($"Generated a new key file {keyFile}", output, StringComparison.Ordinal);
        var key = JsonDocument.Parse(File.ReadAllText(keyFile)).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        Assert.DoesNotContain(key[..16], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongKey_TheServerRefusesToStart_WithAClearMessage()
    {
        using var data = new TempDirectory();
        await using (var server = ServerProcess.Start(data.Path))
        {
            using var healthy = await server.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            await CreateAsync(client, "vault", new { content = $"sealed {Secret}" });
        }

        var wrongKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        await using var wrong = ServerProcess.Start(data.Path, new Dictionary<string, string> { ["KMP_ENCRYPTION_KEY"] = wrongKey });
        int exit = await wrong.WaitForExitAsync(StartTimeout);

        var output = wrong.Output + wrong.Errors;
        Assert.Equal(1, exit);
        Assert.Contains("KernelMemoryPlus cannot start", output, StringComparison.Ordinal);
        Assert.Contains("was encrypted with key", output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RotateVerb_BesideABusyServer_LosesNothing_AndRetiresTheOldKey()
    {
        using var data = new TempDirectory();
        var environment = new Dictionary<string, string> { ["KernelMemoryPlus__Encryption__KeyRingRefreshInterval"] = "00:00:00.200" };
        var written = new ConcurrentDictionary<string, string>();
        string oldKey;
        (int Exit, string Output, string Errors) rotation;
        long writes = 0;
        await using (var server = ServerProcess.Start(data.Path, environment))
        {
            using var healthy = await server.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            for (int i = 0; i < 60; i++)
            {
                var id = await CreateAsync(client, "team" + (i % 3), new { content = $"before {i} {Secret}" });
                written[id] = $"before {i} {Secret}";
                writes++;
            }

            oldKey = KeyIds(data.Path).Single();
            using var stop = new CancellationTokenSource();
            var failures = new ConcurrentQueue<string>();
            var load = Task.Run(async () =>
            {
                int n = 0;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        var content = $"during {n} {Secret}";
                        var id = await CreateAsync(client, "team" + (n++ % 3), new { content });
                        written[id] = content;
                        Interlocked.Increment(ref writes);
                        var some = written.Keys.ElementAt(Random.Shared.Next(written.Count));
                        using var read = await client.GetAsync(new Uri($"/api/v1/memories/{some}", UriKind.Relative), Ct);
                        if (read.StatusCode != HttpStatusCode.OK)
                        {
                            failures.Enqueue($"GET {some}: {(int)read.StatusCode}");
                        }

                        using var recall = await client.PostAsJsonAsync(new Uri("/api/v1/recall", UriKind.Relative), new { @namespace = "team1", text = Secret, limit = 5 }, Ct);
                        if (recall.StatusCode != HttpStatusCode.OK)
                        {
                            failures.Enqueue($"recall: {(int)recall.StatusCode}");
                        }
                    }
                    catch (HttpRequestException ex)
                    {
                        failures.Enqueue(ex.Message);
                    }
                }
            }, Ct);

            rotation = await ServerProcess.RunVerbAsync(data.Path, Ct, "encryption", "rotate", "--grace-seconds", "1", "--batch-size", "16");
            await Task.Delay(500, Ct);
            await stop.CancelAsync();
            await load;

            Assert.Empty(failures);
            Assert.Equal(writes, await LastSequenceAsync(client)); // the rotation wrote no change-feed entries
            await AssertAllReadableAsync(client, written);
        }

        Assert.True(rotation.Exit == 0, rotation.Output + rotation.Errors);
        Assert.Contains($"Retired {oldKey}", rotation.Output, StringComparison.Ordinal);
        var newKey = KeyIds(data.Path).Single();
        Assert.NotEqual(oldKey, newKey);
        var keyMaterial = JsonDocument.Parse(File.ReadAllText(Path.Combine(data.Path, "memory.keys.json"))).RootElement.GetProperty("keys")[0].GetProperty("key").GetString()!;
        Assert.DoesNotContain(keyMaterial[..16], rotation.Output + rotation.Errors, StringComparison.Ordinal);

        var status = await ServerProcess.RunVerbAsync(data.Path, Ct, "encryption", "status");
        Assert.Equal(0, status.Exit);
        Assert.Contains($"memories: {newKey} {written.Count}", status.Output, StringComparison.Ordinal);

        await using (var restarted = ServerProcess.Start(data.Path))
        {
            using var healthy = await restarted.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = restarted.BaseAddress };
            await AssertAllReadableAsync(client, written);
        }

        Assert.Empty(DataFolderScan.FilesContaining(data.Path, Secret));
    }

    [Fact]
    public async Task PlaintextStore_LoadsWithAWarning_AndTheRotateVerbEncryptsIt()
    {
        using var data = new TempDirectory();
        string id;
        await using (var plain = ServerProcess.Start(data.Path, new Dictionary<string, string> { ["KernelMemoryPlus__Encryption__Enabled"] = "false" }))
        {
            using var healthy = await plain.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = plain.BaseAddress };
            id = await StoreSecretsAsync(client, "legacy");
        }

        Assert.NotEmpty(DataFolderScan.FilesContaining(data.Path, Secret));
        await using (var server = ServerProcess.Start(data.Path))
        {
            using var healthy = await server.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            var memory = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Ct);
            Assert.Contains(Secret, memory.GetProperty("content").GetString(), StringComparison.Ordinal);
            Assert.Contains("written before encryption at rest was on", server.Output + server.Errors, StringComparison.Ordinal);
        }

        var rotation = await ServerProcess.RunVerbAsync(data.Path, Ct, "encryption", "rotate", "--grace-seconds", "0");

        Assert.True(rotation.Exit == 0, rotation.Output + rotation.Errors);
        Assert.Contains("Compacted the database file", rotation.Output, StringComparison.Ordinal);
        Assert.Empty(DataFolderScan.FilesContaining(data.Path, Secret));
        await using (var server = ServerProcess.Start(data.Path))
        {
            using var healthy = await server.WaitHealthyAsync(StartTimeout, Ct);
            using var client = new HttpClient { BaseAddress = server.BaseAddress };
            var memory = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Ct);
            Assert.Contains(Secret, memory.GetProperty("content").GetString(), StringComparison.Ordinal);
            Assert.DoesNotContain("written before encryption at rest was on", server.Output + server.Errors, StringComparison.Ordinal);
        }
    }

    /// <summary>Stores the secret in every stored field the REST door takes; returns the id of the first memory.</summary>
    private static async Task<string> StoreSecretsAsync(HttpClient client, string ns)
    {
        var id = await CreateAsync(client, ns, new
        {
            content = $"The vault code is {Secret}",
            tags = new[] { Secret, "vault" },
            metadata = new Dictionary<string, string> { ["note"] = Secret, [Secret] = "as a key" },
            sessionId = "session-" + Secret,
        });
        var fact = await CreateAsync(client, ns, new { kind = "Semantic", content = $"Agent {Secret} knows", subject = "Agent " + Secret, predicate = "knows " + Secret, @object = "object " + Secret });
        await CreateAsync(client, ns, new { kind = "Procedural", content = $"How to {Secret}", procedureName = "procedure " + Secret, steps = new[] { "first " + Secret, "second " + Secret } });
        using (var link = await client.PostAsJsonAsync(new Uri("/api/v1/links", UriKind.Relative), new { fromId = id, toId = fact, type = "relates_to" }, Ct))
        {
            Assert.True(link.IsSuccessStatusCode, await link.Content.ReadAsStringAsync(Ct));
        }

        using (var patch = new HttpRequestMessage(HttpMethod.Patch, $"/api/v1/memories/{id}") { Content = JsonContent.Create(new { content = $"The vault code is still {Secret}" }) })
        using (var patched = await client.SendAsync(patch, Ct))
        {
            Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync(Ct));
        }

        using var recall = await client.PostAsJsonAsync(new Uri("/api/v1/recall", UriKind.Relative), new { @namespace = ns, text = Secret, limit = 5 }, Ct);
        Assert.Equal(HttpStatusCode.OK, recall.StatusCode);
        return id;
    }

    private static async Task<string> CreateAsync(HttpClient client, string ns, object body)
    {
        var json = JsonSerializer.SerializeToElement(body);
        var withNamespace = new Dictionary<string, JsonElement> { ["namespace"] = JsonSerializer.SerializeToElement(ns) };
        foreach (var property in json.EnumerateObject())
        {
            withNamespace[property.Name] = property.Value;
        }

        using var response = await client.PostAsJsonAsync(new Uri("/api/v1/memories", UriKind.Relative), withNamespace, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task AssertAllReadableAsync(HttpClient client, IReadOnlyDictionary<string, string> written)
    {
        foreach (var (id, content) in written)
        {
            var memory = await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/v1/memories/{id}", UriKind.Relative), Ct);
            Assert.Equal(content, memory.GetProperty("content").GetString());
        }
    }

    private static async Task<long> LastSequenceAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>(new Uri("/api/v1/admin/stats", UriKind.Relative), Ct)).GetProperty("lastSequence").GetInt64();

    private static List<string> KeyIds(string dataDirectory) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(dataDirectory, "memory.keys.json"))).RootElement.GetProperty("keys")
            .EnumerateArray().Select(k => k.GetProperty("id").GetString()!).ToList();
}
