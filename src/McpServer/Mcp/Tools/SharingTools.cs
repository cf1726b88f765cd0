using System.ComponentModel;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp.Tools;

/// <summary>
/// Sharing between agents: share, revoke_grant, list_grants, namespace_settings and list_conflicts. Who calls is the
/// authenticated principal of the connection (never an argument); the engine decides what it may do.
/// </summary>
[McpServerToolType]
internal sealed class SharingTools(MemoryEngine engine, IOptions<McpDoorOptions> options)
{
    [McpServerTool(Name = "share", Title = "Share memories", Destructive = false, Idempotent = false, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(GrantItem))]
    [Description("Gives another agent, user or group access to a namespace you own or may share, or to one memory of it. permission: read (see and recall), write (also store, change, forget), share (also give read/write/share to others), admin (everything the owner can; only admins give it). Optionally until a time. Returns the grant id (to revoke it).")]
    public async Task<CallToolResult> ShareAsync(
        [Description("Who receives it: a principal id (the name its API key or token carries), or a group name with group=true.")] string grantee,
        [Description(MemoryTools.NamespaceDescription)] string? @namespace = null,
        [Description("read (default), write, share or admin.")] string permission = "read",
        [Description("Share only this memory (an id in the namespace) instead of the whole namespace.")] string? memoryId = null,
        [Description("True when grantee is a group: every member gets the access.")] bool group = false,
        [Description("When the access ends, ISO 8601 (default: never).")] DateTimeOffset? expiresAt = null,
        CancellationToken cancellationToken = default)
    {
        var grant = await engine.GrantAsync(new NewGrant
        {
            Namespace = ToolArguments.Namespace(@namespace, options),
            Grantee = grantee,
            IsGroup = group,
            MemoryId = memoryId,
            Permission = ParsePermission(permission),
            ExpiresAt = expiresAt,
        }, cancellationToken);
        var item = GrantItem.From(grant);
        return ToolText.Result($"Granted {item.Permission} on {Target(grant)} to {(grant.IsGroup ? "group " : "")}'{grant.Grantee}'{(grant.ExpiresAt is { } e ? string.Create(CultureInfo.InvariantCulture, $" until {e:O}") : "")}: grant {grant.Id}.", item);
    }

    [McpServerTool(Name = "revoke_grant", Title = "Revoke access", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(RevokeResult))]
    [Description("Takes back a grant (by the id share or list_grants returned). The grantee stops seeing the namespace or memory at once, including live change notifications.")]
    public async Task<CallToolResult> RevokeAsync(
        [Description("The grant id.")] string grantId,
        CancellationToken cancellationToken = default)
    {
        bool revoked = await engine.RevokeAsync(grantId, cancellationToken);
        return ToolText.Result(revoked ? $"Revoked grant {grantId}." : $"No grant {grantId} that you can see; nothing changed.", new RevokeResult(grantId, revoked));
    }

    [McpServerTool(Name = "list_grants", Title = "List grants", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(GrantList))]
    [Description("Lists who has access to a namespace (needs share access to see all of them; otherwise only grants you gave or received), or with mine=true every grant given to you and your groups.")]
    public async Task<CallToolResult> ListGrantsAsync(
        [Description(MemoryTools.NamespaceDescription)] string? @namespace = null,
        [Description("List the grants given to you across all namespaces instead.")] bool mine = false,
        CancellationToken cancellationToken = default)
    {
        var grants = await engine.ListGrantsAsync(mine ? null : ToolArguments.Namespace(@namespace, options), cancellationToken);
        var text = new StringBuilder(grants.Count == 0 ? "No grants." : $"{grants.Count} grant(s):");
        foreach (var g in grants)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {g.Id}: {g.Permission.ToString().ToLowerInvariant()} on {Target(g)} to {(g.IsGroup ? "group " : "")}'{g.Grantee}', by '{g.GrantedBy}'{(g.ExpiresAt is { } e ? $", until {e:O}" : "")}");
        }

        return ToolText.Result(text.ToString(), new GrantList([.. grants.Select(GrantItem.From)]));
    }

    [McpServerTool(Name = "namespace_settings", Title = "Namespace settings", Destructive = false, Idempotent = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(NamespaceSettingsItem))]
    [Description("Shows a namespace's owner, its conflict policy and your permission in it; with conflictPolicy (admins of the namespace) sets what happens when two agents write the same memory: reject (default: the stale write fails with the current version), lastWriterWins, or merge (tags united, metadata merged, content by mergeContent: incoming or current). Every resolution is recorded (list_conflicts).")]
    public async Task<CallToolResult> NamespaceSettingsAsync(
        [Description(MemoryTools.NamespaceDescription)] string? @namespace = null,
        [Description("reject, lastWriterWins or merge; leave out to only read the settings.")] string? conflictPolicy = null,
        [Description("With merge: which content wins when both writers changed it: incoming (default) or current.")] string? mergeContent = null,
        CancellationToken cancellationToken = default)
    {
        var ns = ToolArguments.Namespace(@namespace, options);
        var settings = conflictPolicy is null && mergeContent is null
            ? await engine.GetNamespaceSettingsAsync(ns, cancellationToken)
            : await engine.SetConflictPolicyAsync(
                ns,
                conflictPolicy is null ? (await engine.GetNamespaceSettingsAsync(ns, cancellationToken)).ConflictPolicy : ParseEnum<ConflictPolicy>(conflictPolicy, "conflictPolicy"),
                mergeContent is null ? MergeContentRule.Incoming : ParseEnum<MergeContentRule>(mergeContent, "mergeContent"),
                cancellationToken);
        var item = NamespaceSettingsItem.From(settings);
        return ToolText.Result($"Namespace '{ns}': owner {(item.Owner is null ? "none" : $"'{item.Owner}'")}, conflict policy {item.ConflictPolicy}{(settings.ConflictPolicy == ConflictPolicy.Merge ? $" (content: {item.MergeContent})" : "")}, your permission {item.YourPermission ?? "none"}.", item);
    }

    [McpServerTool(Name = "list_conflicts", Title = "List write conflicts", ReadOnly = true, OpenWorld = false, UseStructuredContent = true, OutputSchemaType = typeof(ConflictList))]
    [Description("Lists recent write conflicts of a namespace (two writers changing the same memory) and how its policy resolved each: rejected, overwritten or merged, with the versions involved. Newest first.")]
    public async Task<CallToolResult> ListConflictsAsync(
        [Description(MemoryTools.NamespaceDescription)] string? @namespace = null,
        [Description("How many (default 20).")] int limit = 20,
        CancellationToken cancellationToken = default)
    {
        var conflicts = await engine.GetConflictsAsync(ToolArguments.Namespace(@namespace, options), limit, cancellationToken);
        var text = new StringBuilder(conflicts.Count == 0 ? "No conflicts recorded." : $"{conflicts.Count} conflict(s):");
        foreach (var c in conflicts)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n- {c.At:O} memory {c.MemoryId}: expected v{c.ExpectedVersion}, found v{c.FoundVersion}, {c.Outcome}{(c.ResultVersion is { } v ? $" (now v{v})" : "")} by '{c.Principal ?? "?"}'");
        }

        return ToolText.Result(text.ToString(), new ConflictList([.. conflicts.Select(ConflictItem.From)]));
    }

    private static string Target(MemoryGrant grant) =>
        grant.MemoryId is null ? $"namespace '{grant.Namespace}'" : $"memory {grant.MemoryId} of namespace '{grant.Namespace}'";

    private static MemoryPermission ParsePermission(string value) => ParseEnum<MemoryPermission>(value, "permission");

    private static T ParseEnum<T>(string value, string field)
        where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(value, out _)
            ? parsed
            : throw new MemoryValidationException(field, $"{field} must be one of {string.Join(", ", Enum.GetNames<T>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]))}.");

    /// <summary>A grant as the tools return it.</summary>
    internal sealed record GrantItem(string Id, string Namespace, string? MemoryId, string Grantee, bool Group, string Permission, DateTimeOffset? ExpiresAt, string GrantedBy, DateTimeOffset CreatedAt)
    {
        public static GrantItem From(MemoryGrant g) =>
            new(g.Id, g.Namespace, g.MemoryId, g.Grantee, g.IsGroup, g.Permission.ToString().ToLowerInvariant(), g.ExpiresAt, g.GrantedBy, g.CreatedAt);
    }

    internal sealed record GrantList(IReadOnlyList<GrantItem> Grants);

    internal sealed record RevokeResult(string GrantId, bool Revoked);

    internal sealed record NamespaceSettingsItem(string Namespace, string? Owner, string ConflictPolicy, string MergeContent, string? YourPermission)
    {
        public static NamespaceSettingsItem From(NamespaceSettings s) => new(
            s.Namespace,
            s.Owner,
            JsonNamingPolicyCamel(s.ConflictPolicy.ToString()),
            JsonNamingPolicyCamel(s.MergeContent.ToString()),
            s.YourPermission?.ToString().ToLowerInvariant());
    }

    internal sealed record ConflictItem(string Id, string MemoryId, string Policy, string Outcome, long ExpectedVersion, long FoundVersion, long? ResultVersion, string? Principal, DateTimeOffset At)
    {
        public static ConflictItem From(ConflictResolution c) =>
            new(c.Id, c.MemoryId, JsonNamingPolicyCamel(c.Policy.ToString()), c.Outcome, c.ExpectedVersion, c.FoundVersion, c.ResultVersion, c.Principal, c.At);
    }

    internal sealed record ConflictList(IReadOnlyList<ConflictItem> Conflicts);

    private static string JsonNamingPolicyCamel(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
