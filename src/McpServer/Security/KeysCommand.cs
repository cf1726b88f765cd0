using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Security;

/// <summary>
/// <c>keys create|list|revoke</c>: manages the server's API keys in its data folder (the same settings and
/// <c>KMP_DATA_DIR</c> as the server). A running server sees the change within a second.
/// </summary>
public static class KeysCommand
{
    /// <summary>Runs the verb.</summary>
    /// <param name="args">The arguments after <c>keys</c>.</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        var principal = new Option<string>("--principal") { Description = "Who the key authenticates (an agent, a user or a service).", Required = true };
        var role = new Option<string>("--role") { Description = "agent (default), user or admin.", DefaultValueFactory = _ => "agent" };
        role.AcceptOnlyFromAmong([.. ApiKeyStore.Roles]);
        var group = new Option<string[]>("--group") { Description = "A group the principal belongs to (repeat for several); grants to the group apply to it.", AllowMultipleArgumentsPerToken = false };
        var create = new Command("create", "Creates a key and prints it once; only its hash is stored.") { principal, role, group };
        create.SetAction(parse => Run(store =>
        {
            var (entry, key) = store.Create(parse.GetValue(principal)!, parse.GetValue(role)!, parse.GetValue(group));
            Console.WriteLine(key);
            Console.Error.WriteLine($"Created key {entry.Id} for '{entry.Principal}' ({entry.Role}). It is shown only now: store it as a secret.");
            return 0;
        }));

        var list = new Command("list", "Lists keys (id, principal, role, created, revoked); never the secrets.");
        list.SetAction(_ => Run(store =>
        {
            foreach (var k in store.List())
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{k.Id}\t{k.Principal}\t{k.Role}\tcreated {k.CreatedUtc:u}\t{(k.RevokedUtc is { } r ? $"revoked {r:u}" : "active")}"));
            }

            return 0;
        }));

        var id = new Argument<string>("id") { Description = "The key's id (from 'keys list')." };
        var revoke = new Command("revoke", "Revokes a key: requests presenting it are refused from the next second on.") { id };
        revoke.SetAction(parse => Run(store =>
        {
            if (store.Revoke(parse.GetValue(id)!))
            {
                Console.Error.WriteLine($"Revoked key {parse.GetValue(id)}.");
                return 0;
            }

            Console.Error.WriteLine($"No active key has the id '{parse.GetValue(id)}'.");
            return 1;
        }));

        var root = new RootCommand("KernelMemoryPlus API keys.") { create, list, revoke };
        return await root.Parse(args).InvokeAsync();
    }

    private static int Run(Func<ApiKeyStore, int> action)
    {
        using var host = SecurityHostingExtensions.BuildCommandHost();
        try
        {
            return action(host.Services.GetRequiredService<ApiKeyStore>());
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException or OptionsValidationException)
        {
            Console.Error.WriteLine($"keys: {ex.Message}");
            return 1;
        }
    }
}
