using System.CommandLine;
using System.Globalization;
using KernelMemoryPlus.Encryption;
using KernelMemoryPlus.Server.Hosting;
using KernelMemoryPlus.Storage.Sqlite;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// <c>encryption status|rotate</c>: shows which keys the stored memories are sealed with, and rotates the key while
/// servers keep running on the same data folder (the same settings and <c>KMP_DATA_DIR</c> as the server).
/// </summary>
/// <remarks>
/// Rotation: a new key is added to the key file as the primary key; running servers pick it up within their refresh
/// interval (and at once when they meet it), so new writes use it; after a grace period every row still sealed with
/// an older key (or in plaintext) is sealed again in small transactions (versions and the change feed untouched);
/// passes repeat after another grace period until one finds nothing left; then the old keys are removed from the file.
/// With keys from the configuration (<c>Encryption:Key</c>) the verb only re-encrypts under the configured key.
/// </remarks>
public static class EncryptionCommand
{
    private const int MaxVerificationPasses = 5;

    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after <c>encryption</c>.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var status = new Command("status", "Shows the keys (ids only) and how many memories and links each one seals; rows in plaintext are counted too.");
        status.SetAction((_, cancellationToken) => RunAsync(context => StatusAsync(context, cancellationToken)));

        var keepOld = new Option<bool>("--keep-old-keys") { Description = "Keep the old keys in the key file after re-encrypting (they are removed by default)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction (default 256); running servers wait at most one such transaction.", DefaultValueFactory = _ => 256 };
        var grace = new Option<double?>("--grace-seconds") { Description = "How long running servers get to pick up the new key before rows are re-encrypted and checked (default: twice their refresh interval plus one second)." };
        var compact = new Option<bool>("--compact") { Description = "Compact the database file afterwards even when no plaintext was found (drops old copies of rows sealed with retired keys; blocks writes while it runs)." };
        var noCompact = new Option<bool>("--no-compact") { Description = "Do not compact, even when plaintext rows were encrypted (old plaintext copies may then stay in free pages until SQLite reuses them)." };
        var rotate = new Command("rotate", "Adds a new key, re-encrypts every memory and link under it while servers keep running, then retires the old keys. Also encrypts memories written in plaintext.")
        {
            keepOld, batchSize, grace, compact, noCompact,
        };
        rotate.SetAction((parse, cancellationToken) => RunAsync(context => RotateAsync(
            context,
            new RotateSettings(parse.GetValue(keepOld), Math.Max(1, parse.GetValue(batchSize)), parse.GetValue(grace), parse.GetValue(compact), parse.GetValue(noCompact)),
            cancellationToken)));

        var root = new RootCommand("KernelMemoryPlus encryption at rest.") { status, rotate };
        return await root.Parse(args).InvokeAsync();
    }

    private static async Task<int> RunAsync(Func<CommandContext, Task<int>> action)
    {
        using var host = SecurityHostingExtensions.BuildCommandHost();
        try
        {
            var settings = host.Services.GetRequiredService<ServerSettings>();
            var options = host.Services.GetRequiredService<IOptions<KernelMemoryPlusOptions>>().Value;
            var database = Path.Combine(settings.DataDirectory, settings.DatabaseFile);
            return await action(new CommandContext(host.Services, options, database));
        }
        catch (Exception ex) when (ex is MemoryEncryptionException or VectorStoreException or Storage.StoreSchemaException or IOException or UnauthorizedAccessException or OptionsValidationException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"encryption: {ex.Message}");
            return 1;
        }
    }

    private static async Task<int> StatusAsync(CommandContext context, CancellationToken cancellationToken)
    {
        var encryption = context.Options.Encryption;
        var ring = OpenRing(encryption, context.Database, create: false);
        Console.WriteLine($"Encryption at rest: {(encryption.Enabled ? "on" : "off (new writes are plaintext)")}");
        if (ring is null)
        {
            Console.WriteLine($"Keys: none yet (the server generates {KeyFileOf(encryption, context.Database)} when it first starts).");
        }
        else
        {
            Console.WriteLine($"Keys: {ring.Source}");
            foreach (var key in ring.Keys)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {key.Id}{(key.IsPrimary ? "  primary" : "         ")}  created {key.CreatedUtc:u}"));
            }
        }

        if (!File.Exists(context.Database))
        {
            Console.WriteLine($"Store: {context.Database} does not exist yet.");
            return 0;
        }

        var store = context.Store();
        var result = await MemoryEncryption.GetStatusAsync(store, context.Options, ring, cancellationToken);
        Console.WriteLine($"Store: {context.Database}, {result.Namespaces} namespaces");
        Console.WriteLine($"  memories: {Describe(result.Memories)}");
        Console.WriteLine($"  links:    {Describe(result.Links)}");
        if (result.UnknownKeyIds.Count > 0)
        {
            await Console.Error.WriteLineAsync($"Rows are sealed with keys the key ring does not hold: {string.Join(", ", result.UnknownKeyIds)}. They cannot be read with these keys.");
            return 1;
        }

        return 0;
    }

    private static async Task<int> RotateAsync(CommandContext context, RotateSettings settings, CancellationToken cancellationToken)
    {
        var encryption = context.Options.Encryption;
        if (!encryption.Enabled)
        {
            await Console.Error.WriteLineAsync("encryption: encryption at rest is switched off (Encryption:Enabled=false); switch it on before rotating keys.");
            return 1;
        }

        var ring = OpenRing(encryption, context.Database, create: true)!;
        using var rotationLock = ring.FilePath is null ? null : ring.LockForMaintenance(TimeSpan.FromSeconds(5));
        var grace = TimeSpan.FromSeconds(settings.GraceSeconds ?? ((2 * encryption.KeyRingRefreshInterval.TotalSeconds) + 1));
        if (ring.FilePath is null)
        {
            Console.WriteLine($"Keys come from the configuration: re-encrypting under the configured key {ring.PrimaryKeyId}. Running servers must already use it (restart them with the new Key and the old one in PreviousKeys first).");
        }
        else if (ring.Created)
        {
            Console.WriteLine($"Generated the key file {ring.FilePath} (key {ring.PrimaryKeyId}, owner-only). Back it up apart from the data.");
        }
        else
        {
            var old = ring.Keys.Select(k => k.Id).ToList();
            ring.Reload();
            var id = ring.AddKey();
            Console.WriteLine($"Added key {id} to {ring.FilePath}; it is the primary key now (old: {string.Join(", ", old)}). Waiting {grace.TotalSeconds:0.#} s for running servers to pick it up.");
            await Task.Delay(grace, cancellationToken);
        }

        if (!File.Exists(context.Database))
        {
            Console.WriteLine($"No store at {context.Database} yet: nothing to re-encrypt.");
            return RetireOldKeys(ring, settings);
        }

        var store = context.Store();
        int plaintext = 0;
        for (int pass = 1; ; pass++)
        {
            var result = await MemoryEncryption.ReencryptAsync(store, context.Options, ring, settings.BatchSize, cancellationToken);
            plaintext += result.Plaintext;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Pass {pass}: sealed {result.Memories} memories and {result.Links} links again under key {ring.PrimaryKeyId} ({result.Plaintext} of them were in plaintext)."));
            if (result.Total == 0 && pass > 1)
            {
                break;
            }

            if (pass > MaxVerificationPasses)
            {
                await Console.Error.WriteLineAsync($"encryption: rows are still being written under old keys after {pass} passes; is a server running with keys that do not follow the key file? The old keys were kept.");
                return 1;
            }

            // A server that had not picked up the key yet may have written under an old one meanwhile: look again.
            await Task.Delay(grace, cancellationToken);
        }

        if (!settings.NoCompact && (plaintext > 0 || settings.Compact) && store.GetService(typeof(SqliteVectorStore)) is SqliteVectorStore sqlite)
        {
            await sqlite.CompactAsync(cancellationToken);
            Console.WriteLine(plaintext > 0
                ? "Compacted the database file: no old plaintext copies of the encrypted rows remain in it or in its write-ahead log."
                : "Compacted the database file.");
        }

        return RetireOldKeys(ring, settings);
    }

    private static int RetireOldKeys(MemoryKeyRing ring, RotateSettings settings)
    {
        if (ring.FilePath is not null && !settings.KeepOldKeys)
        {
            var retired = ring.RetireOldKeys();
            if (retired.Count > 0)
            {
                Console.WriteLine($"Retired {string.Join(", ", retired)}: removed from {ring.FilePath}.");
            }
        }
        else if (ring.FilePath is null && ring.Keys.Count > 1)
        {
            Console.WriteLine("Remove Encryption:PreviousKeys from the configuration now: nothing is sealed with them any more.");
        }

        Console.WriteLine($"Done: every memory and link is sealed with key {ring.PrimaryKeyId}.");
        return 0;
    }

    private static MemoryKeyRing? OpenRing(EncryptionOptions encryption, string database, bool create)
    {
        if (encryption.Key is { } key)
        {
            return MemoryKeyRing.FromKeys(key, encryption.PreviousKeys);
        }

        var file = KeyFileOf(encryption, database);
        return !create && !File.Exists(file) ? null : MemoryKeyRing.OpenFile(file, create, encryption.KeyRingRefreshInterval);
    }

    private static string KeyFileOf(EncryptionOptions encryption, string database) =>
        encryption.KeyFile ?? EncryptionOptions.DefaultKeyFileFor(database);

    private static string Describe(IReadOnlyDictionary<string, int> counts) =>
        counts.Count == 0 ? "none" : string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Key} {c.Value}")));

    private sealed record RotateSettings(bool KeepOldKeys, int BatchSize, double? GraceSeconds, bool Compact, bool NoCompact);

    private sealed record CommandContext(IServiceProvider Services, KernelMemoryPlusOptions Options, string Database)
    {
        public VectorStore Store() => Services.GetRequiredKeyedService<VectorStore>(KernelMemoryPlusBuilder.ServiceKey);
    }
}
