using KernelMemoryPlus.Internal;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus;

/// <summary>
/// Access control, enforced here for every door: namespace owners, grants (read, write, share, admin) on a namespace or
/// one memory to a principal or a group, private memories, and the per-namespace conflict policy.
/// </summary>
/// <remarks>
/// Rules, for a current <see cref="MemoryPrincipal"/> (none: the embedding application, trusted with everything):
/// administrators may do everything; the first principal that writes to a namespace owns it (admin on it); others need
/// a grant. A private memory is seen only by its author, holders of admin on its namespace, administrators and those
/// given a grant on that memory. What a principal may not read is answered as not found (its existence is not
/// revealed); what it may read but not change is refused with <see cref="MemoryAccessDeniedException"/>. A namespace
/// that does not exist yet reads as empty to anyone; one that exists without an owner (written before access control,
/// or by the embedding application) is for administrators and grantees only.
/// </remarks>
public sealed partial class MemoryEngine
{
    internal const string AccessCollection = "kmp_access";
    internal const string ConflictsCollection = "kmp_conflicts";

    /// <summary>The current principal, or null for the trusted embedding application.</summary>
    /// <exception cref="MemoryAccessDeniedException">No principal is current and the engine requires one.</exception>
    private MemoryPrincipal? Caller()
    {
        var principal = MemoryPrincipal.Current;
        if (principal is null && _options.RequirePrincipal)
        {
            throw new MemoryAccessDeniedException("No authenticated principal: this engine serves authenticated callers only.");
        }

        return principal;
    }

    /// <summary>True when the caller is the embedding application or an administrator.</summary>
    private bool CallerIsTrusted() => Caller() is not { IsAdmin: false };

    /// <summary>Refuses everyone but the embedding application and administrators.</summary>
    private void EnsureAdministrator(string what)
    {
        if (Caller() is { IsAdmin: false } principal)
        {
            throw new MemoryAccessDeniedException($"Only administrators may {what}; {principal} is not one.");
        }
    }

    /// <summary>What the caller may see of a namespace: everything, some memories, or nothing.</summary>
    private sealed class ReadScope(Func<MemoryRecord, bool>? filter)
    {
        public static readonly ReadScope All = new(null);
        public static readonly ReadScope Nothing = new(static _ => false);

        /// <summary>Null when every memory is visible.</summary>
        public Func<MemoryRecord, bool>? Filter { get; } = filter;

        public bool Sees(MemoryRecord record) => Filter is null || Filter(record);
    }

    /// <summary>The caller's view of a namespace.</summary>
    /// <exception cref="MemoryAccessDeniedException">The caller may read nothing of an existing namespace.</exception>
    private async ValueTask<ReadScope> ReadScopeAsync(State state, string ns, CancellationToken cancellationToken)
    {
        var principal = Caller();
        if (principal is null || principal.IsAdmin)
        {
            return ReadScope.All;
        }

        var scope = ScopeOf(state, principal, ns, Now());
        if (scope is not null)
        {
            return scope;
        }

        // Nothing granted: a namespace nobody created yet is empty (and becomes the caller's when it writes).
        if (state.Access.Get(ns).Owner is null && !await IsKnownNamespaceAsync(state, ns, cancellationToken))
        {
            return ReadScope.Nothing;
        }

        throw new MemoryAccessDeniedException($"{principal} may not read namespace '{ns}': it belongs to someone else and nothing in it was shared with it.");
    }

    /// <summary>The principal's view of a namespace from its grants, or null when nothing is granted.</summary>
    private static ReadScope? ScopeOf(State state, MemoryPrincipal principal, string ns, DateTimeOffset now)
    {
        var entry = state.Access.Get(ns);
        var permission = entry.NamespacePermission(principal, now);
        if (permission == MemoryPermission.Admin)
        {
            return ReadScope.All;
        }

        var granted = entry.MemoryGrantsOf(principal, now, MemoryPermission.Read);
        if (permission is not null)
        {
            string id = principal.Id;
            return new ReadScope(r => !r.Private || r.Author == id || granted.Contains(r.Id));
        }

        return granted.Count > 0 ? new ReadScope(r => granted.Contains(r.Id)) : null;
    }

    /// <summary>The caller's permission on one memory (null: none, not even read).</summary>
    private static MemoryPermission? PermissionOn(State state, MemoryPrincipal principal, MemoryRecord record, DateTimeOffset now)
    {
        var entry = state.Access.Get(record.Namespace);
        var onNamespace = entry.NamespacePermission(principal, now);
        if (onNamespace == MemoryPermission.Admin)
        {
            return MemoryPermission.Admin;
        }

        var onMemory = entry.MemoryPermissionOf(principal, record.Id, now);
        if (record.Private && record.Author != principal.Id)
        {
            return onMemory;
        }

        // A private memory is its author's: to read, change and share.
        var asAuthor = record.Private && record.Author == principal.Id && onNamespace is not null ? MemoryPermission.Share : (MemoryPermission?)null;
        return Max(Max(onNamespace, onMemory), asAuthor);
    }

    private static MemoryPermission? Max(MemoryPermission? a, MemoryPermission? b) =>
        a is null ? b : b is null ? a : (MemoryPermission)Math.Max((int)a, (int)b);

    /// <summary>True when the caller may read the memory.</summary>
    private bool CanRead(State state, MemoryRecord record)
    {
        var principal = Caller();
        return principal is null || principal.IsAdmin || PermissionOn(state, principal, record, Now()) is not null;
    }

    /// <summary>Refuses a change the caller may not make: not found when it may not even read the memory.</summary>
    private void EnsureCanWrite(State state, MemoryRecord record)
    {
        var principal = Caller();
        if (principal is null || principal.IsAdmin)
        {
            return;
        }

        var permission = PermissionOn(state, principal, record, Now());
        if (permission is null)
        {
            throw new MemoryNotFoundException(record.Id);
        }

        if (permission < MemoryPermission.Write)
        {
            throw new MemoryAccessDeniedException($"{principal} may read memory '{record.Id}' but not change it: it has {permission.Value.ToString().ToLowerInvariant()} access.");
        }
    }

    /// <summary>True when the namespace exists in the store (it held memories at some point).</summary>
    private async ValueTask<bool> IsKnownNamespaceAsync(State state, string ns, CancellationToken cancellationToken)
    {
        if (state.KnownNamespaces.ContainsKey(ns))
        {
            return true;
        }

        if (await state.Meta.GetAsync(NamespacePrefix + ns, cancellationToken: cancellationToken) is not null)
        {
            state.KnownNamespaces.TryAdd(ns, 0);
            return true;
        }

        return false;
    }

    /// <summary>
    /// Checks every write of a batch against the caller's permissions (write gate held, indexes loaded), and returns
    /// the ownership rows of the namespaces the batch creates.
    /// </summary>
    private List<StoredAccess> AuthorizeBatch(State state, WriteBatch batch, Dictionary<string, NamespaceIndex> indexes, List<string> newNamespaces)
    {
        var principal = Caller();
        var claims = new List<StoredAccess>();
        if (principal is null)
        {
            return claims;
        }

        var now = Now();
        foreach (var ns in newNamespaces)
        {
            var entry = state.Access.Get(ns);
            if (entry.Owner is null)
            {
                claims.Add(AccessTable.ToStored(ns, principal.Id, entry.Policy, entry.MergeContent));
            }
        }

        if (principal.IsAdmin)
        {
            return claims;
        }

        bool MayWriteNamespace(string ns) =>
            claims.Any(c => c.Namespace == ns) || state.Access.Get(ns).NamespacePermission(principal, now) >= MemoryPermission.Write;

        foreach (var (record, _) in batch.MemoryUpserts)
        {
            var previous = ReadLocked(indexes[record.Namespace], i => i.Get(record.Id));
            if (previous is null)
            {
                if (!MayWriteNamespace(record.Namespace))
                {
                    throw new MemoryAccessDeniedException($"{principal} may not write to namespace '{record.Namespace}': it belongs to someone else and write access was not shared with it.");
                }

                continue;
            }

            EnsureCanWrite(state, previous);
            if ((previous.Private != record.Private || previous.Author != record.Author)
                && previous.Author != principal.Id
                && state.Access.Get(record.Namespace).NamespacePermission(principal, now) != MemoryPermission.Admin)
            {
                throw new MemoryAccessDeniedException($"Only the author of memory '{record.Id}' or an admin of namespace '{record.Namespace}' may change whether it is private or who wrote it.");
            }
        }

        foreach (var record in batch.MemoryDeletes)
        {
            EnsureCanWrite(state, record);
        }

        foreach (var link in batch.LinkUpserts.Concat(batch.LinkDeletes))
        {
            if (!MayWriteNamespace(link.Namespace) && state.Access.Get(link.Namespace).MemoryPermissionOf(principal, link.FromId, now) is not >= MemoryPermission.Write)
            {
                throw new MemoryAccessDeniedException($"{principal} may not change the links of namespace '{link.Namespace}'.");
            }
        }

        return claims;
    }

    /// <summary>Gives a permission on a namespace, or one memory of it, to a principal or a group.</summary>
    /// <param name="grant">What to give to whom.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The grant, with its id (to revoke it).</returns>
    /// <exception cref="MemoryAccessDeniedException">
    /// The caller lacks share on the namespace or memory, or gives more than it has (only admins give admin).
    /// </exception>
    /// <exception cref="MemoryValidationException">A bad namespace, grantee, permission or expiry.</exception>
    public async Task<MemoryGrant> GrantAsync(NewGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        InputValidator.Namespace(grant.Namespace);
        string grantee = ValidateGrantee(grant.Grantee);
        if (grant.MemoryId is not null)
        {
            InputValidator.Id(grant.MemoryId, "memoryId");
        }

        if (!Enum.IsDefined(grant.Permission))
        {
            throw new MemoryValidationException("permission", "permission must be read, write, share or admin.");
        }

        var state = await GetStateAsync(cancellationToken);
        var now = Now();
        if (grant.ExpiresAt is { } expires && expires <= now)
        {
            throw new MemoryValidationException("expiresAt", "expiresAt must be in the future.");
        }

        var principal = Caller();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            MemoryPermission? mine;
            if (grant.MemoryId is { } memoryId)
            {
                var (_, record) = await FindAsync(state, memoryId, cancellationToken);
                if (record.Namespace != grant.Namespace)
                {
                    throw new MemoryValidationException("memoryId", $"Memory '{memoryId}' is not in namespace '{grant.Namespace}'.");
                }

                mine = principal is null || principal.IsAdmin ? MemoryPermission.Admin : PermissionOn(state, principal, record, now)
                    ?? throw new MemoryNotFoundException(memoryId);
            }
            else
            {
                mine = principal is null ? MemoryPermission.Admin : state.Access.Get(grant.Namespace).NamespacePermission(principal, now);
                if (mine is null && principal is not null && state.Access.Get(grant.Namespace).Owner is null
                    && !await IsKnownNamespaceAsync(state, grant.Namespace, cancellationToken))
                {
                    mine = MemoryPermission.Admin; // nobody's yet: sharing it makes the caller its owner (below)
                }
            }

            if (mine is not >= MemoryPermission.Share)
            {
                throw new MemoryAccessDeniedException($"{principal} may not share {(grant.MemoryId is null ? $"namespace '{grant.Namespace}'" : $"memory '{grant.MemoryId}'")}: that needs share or admin access.");
            }

            if (grant.Permission == MemoryPermission.Admin && mine != MemoryPermission.Admin)
            {
                throw new MemoryAccessDeniedException("Only admins of a namespace (its owner, holders of admin) may give admin on it.");
            }

            var made = new MemoryGrant
            {
                Id = "g" + NewId(now),
                Namespace = grant.Namespace,
                MemoryId = grant.MemoryId,
                Grantee = grantee,
                IsGroup = grant.IsGroup,
                Permission = grant.Permission,
                ExpiresAt = grant.ExpiresAt is { } e ? RecordMapper.Truncate(e) : null,
                GrantedBy = principal?.Id ?? "(application)",
                CreatedAt = now,
            };

            var rows = new List<StoredAccess> { AccessTable.ToStored(made) };

            // Sharing a namespace nobody has written to yet makes the sharer its owner first.
            var entry = state.Access.Get(grant.Namespace);
            if (entry.Owner is null && principal is not null && !await IsKnownNamespaceAsync(state, grant.Namespace, cancellationToken))
            {
                rows.Add(AccessTable.ToStored(grant.Namespace, principal.Id, entry.Policy, entry.MergeContent));
            }

            await state.AccessRows.UpsertAsync(rows, cancellationToken);
            state.Access.Apply(rows);
            return made;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Takes a grant back.</summary>
    /// <param name="grantId">The grant's id.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>True when a grant was revoked; false when the caller sees none with that id.</returns>
    /// <exception cref="MemoryAccessDeniedException">The caller may see the grant but not revoke it.</exception>
    public async Task<bool> RevokeAsync(string grantId, CancellationToken cancellationToken = default)
    {
        InputValidator.Id(grantId, "grantId");
        var state = await GetStateAsync(cancellationToken);
        var principal = Caller();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var grant = state.Access.All.SelectMany(e => e.Value.Grants).FirstOrDefault(g => g.Id == grantId);
            if (grant is null)
            {
                return false;
            }

            if (principal is not null && !principal.IsAdmin)
            {
                var now = Now();
                var entry = state.Access.Get(grant.Namespace);
                var mine = entry.NamespacePermission(principal, now);
                if (grant.MemoryId is not null && FindHot(grant.MemoryId) is { } hot)
                {
                    mine = Max(mine, PermissionOn(state, principal, hot.Record, now));
                }

                bool own = grant.GrantedBy == principal.Id || (!grant.IsGroup && grant.Grantee == principal.Id);
                if (mine is null && !own)
                {
                    return false;
                }

                // Giving up one's own grant, taking back one's own, or share/admin over what the grant gives.
                if (!own && (mine < MemoryPermission.Share || (grant.Permission == MemoryPermission.Admin && mine != MemoryPermission.Admin)))
                {
                    throw new MemoryAccessDeniedException($"{principal} may not revoke grant '{grantId}': that needs share access (admin for an admin grant), or being the one who gave it.");
                }
            }

            await state.AccessRows.DeleteAsync(grantId, cancellationToken);
            state.Access.RemoveGrant(grant.Namespace, grantId);
            return true;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// The grants of a namespace (the caller needs share on it, or sees only the grants it gave or received), or with
    /// a null namespace every grant given to the caller or its groups.
    /// </summary>
    /// <param name="ns">The namespace, or null for the caller's own grants.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<MemoryGrant>> ListGrantsAsync(string? ns = null, CancellationToken cancellationToken = default)
    {
        if (ns is not null)
        {
            InputValidator.Namespace(ns);
        }

        var state = await GetStateAsync(cancellationToken);
        var principal = Caller();
        var now = Now();
        IEnumerable<MemoryGrant> grants = ns is null
            ? state.Access.All.SelectMany(e => e.Value.Grants)
            : state.Access.Get(ns).Grants;
        if (principal is not null && !principal.IsAdmin)
        {
            grants = grants.Where(g =>
                AccessTable.Entry.Matches(g, principal)
                || g.GrantedBy == principal.Id
                || (ns is not null && state.Access.Get(g.Namespace).NamespacePermission(principal, now) >= MemoryPermission.Share));
        }

        return [.. grants.OrderBy(g => g.Namespace, StringComparer.Ordinal).ThenBy(g => g.Id, StringComparer.Ordinal)];
    }

    /// <summary>A namespace's owner, conflict policy, and what the caller may do in it.</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <exception cref="MemoryAccessDeniedException">The caller may read nothing of it.</exception>
    public async Task<NamespaceSettings> GetNamespaceSettingsAsync(string ns, CancellationToken cancellationToken = default)
    {
        InputValidator.Namespace(ns);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var principal = Caller();
        var entry = state.Access.Get(ns);
        // The application, or a namespace nobody has yet (the first write makes it the caller's): admin. Otherwise the
        // caller's grant, or read when it sees the namespace through grants on single memories only.
        MemoryPermission yours = principal is null || scope == ReadScope.Nothing
            ? MemoryPermission.Admin
            : entry.NamespacePermission(principal, Now()) ?? MemoryPermission.Read;

        return new NamespaceSettings
        {
            Namespace = ns,
            Owner = entry.Owner,
            ConflictPolicy = entry.Policy,
            MergeContent = entry.MergeContent,
            YourPermission = yours,
        };
    }

    /// <summary>Sets how a namespace resolves stale writes (admins of the namespace only).</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="policy">Reject (default), last writer wins, or merge.</param>
    /// <param name="mergeContent">Which content a merge keeps.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<NamespaceSettings> SetConflictPolicyAsync(string ns, ConflictPolicy policy, MergeContentRule mergeContent = MergeContentRule.Incoming, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new MemoryValidationException("policy", "policy must be reject, lastWriterWins or merge.");
        }

        if (!Enum.IsDefined(mergeContent))
        {
            throw new MemoryValidationException("mergeContent", "mergeContent must be incoming or current.");
        }

        return ChangeNamespaceAsync(ns, "set the conflict policy of", e => (e.Owner, policy, mergeContent), cancellationToken);
    }

    /// <summary>Gives a namespace to another owner (admins of the namespace only).</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="owner">The new owner's principal id.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public Task<NamespaceSettings> SetOwnerAsync(string ns, string owner, CancellationToken cancellationToken = default)
    {
        string validated = ValidateGrantee(owner, "owner");
        return ChangeNamespaceAsync(ns, "change the owner of", e => (validated, e.Policy, e.MergeContent), cancellationToken);
    }

    private async Task<NamespaceSettings> ChangeNamespaceAsync(
        string ns,
        string what,
        Func<AccessTable.Entry, (string? Owner, ConflictPolicy Policy, MergeContentRule Merge)> change,
        CancellationToken cancellationToken)
    {
        InputValidator.Namespace(ns);
        var state = await GetStateAsync(cancellationToken);
        var principal = Caller();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var entry = state.Access.Get(ns);
            if (principal is not null && entry.NamespacePermission(principal, Now()) != MemoryPermission.Admin)
            {
                bool unclaimed = entry.Owner is null && !await IsKnownNamespaceAsync(state, ns, cancellationToken);
                if (!unclaimed)
                {
                    throw new MemoryAccessDeniedException($"{principal} may not {what} namespace '{ns}': that needs admin on it (its owner has it).");
                }

                // Setting up a namespace nobody has written to yet makes the caller its owner.
                entry = entry with { Owner = principal.Id };
            }

            var (owner, policy, merge) = change(entry);
            var row = AccessTable.ToStored(ns, owner, policy, merge);
            await state.AccessRows.UpsertAsync(row, cancellationToken);
            state.Access.Apply([row]);
        }
        finally
        {
            _writeGate.Release();
        }

        return await GetNamespaceSettingsAsync(ns, cancellationToken);
    }

    /// <summary>The write conflicts of a namespace and how they were resolved, newest first (readers of the namespace).</summary>
    /// <param name="ns">The namespace.</param>
    /// <param name="limit">Most records to return.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public async Task<IReadOnlyList<ConflictResolution>> GetConflictsAsync(string ns, int limit = 50, CancellationToken cancellationToken = default)
    {
        InputValidator.Namespace(ns);
        InputValidator.Limit(limit, _options);
        var state = await GetStateAsync(cancellationToken);
        var scope = await ReadScopeAsync(state, ns, cancellationToken);
        var list = new List<ConflictResolution>();
        await foreach (var row in state.Conflicts.GetAsync(c => c.Namespace == ns, int.MaxValue, cancellationToken: cancellationToken))
        {
            list.Add(row.ToResolution());
        }

        return [.. list
            .Where(c => scope.Filter is null || (FindHot(c.MemoryId) is not { } hot || scope.Sees(hot.Record)))
            .OrderByDescending(c => c.At)
            .ThenByDescending(c => c.Id, StringComparer.Ordinal)
            .Take(limit)];
    }

    /// <summary>
    /// True when <paramref name="principal"/> may see a change-feed entry with the grants as they are now (for doors
    /// that fan one feed out to many subscribers).
    /// </summary>
    /// <param name="change">The change.</param>
    /// <param name="principal">The subscriber; null is the embedding application (sees everything).</param>
    public bool CanSee(ChangeEvent change, MemoryPrincipal? principal)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (principal is null || principal.IsAdmin)
        {
            return true;
        }

        return Volatile.Read(ref _state) is { } state && ChangeFilter(state, principal)!(change);
    }

    /// <summary>The caller's filter for change-feed entries: which changes it may see.</summary>
    private Func<ChangeEvent, bool>? ChangeFilter(State state) => ChangeFilter(state, Caller());

    private Func<ChangeEvent, bool>? ChangeFilter(State state, MemoryPrincipal? principal)
    {
        if (principal is null || principal.IsAdmin)
        {
            return null;
        }

        return change =>
        {
            var now = Now();
            var entry = state.Access.Get(change.Namespace);
            var permission = entry.NamespacePermission(principal, now);
            if (permission == MemoryPermission.Admin)
            {
                return true;
            }

            bool isMemory = change.Operation is ChangeOperation.Created or ChangeOperation.Updated or ChangeOperation.Deleted;
            if (isMemory && entry.MemoryPermissionOf(principal, change.EntityId, now) is not null)
            {
                return true;
            }

            return permission is not null && (!change.Private || change.Author == principal.Id);
        };
    }

    /// <summary>
    /// Applies the namespace's conflict policy to a write based on <paramref name="expectedVersion"/>: null when there
    /// is no conflict; the resolution (to record with the write) when the policy lets the write through. A delete gets
    /// through only under last writer wins (merge cannot merge a delete).
    /// </summary>
    /// <exception cref="VersionConflictException">The policy refuses the write (the refusal is recorded).</exception>
    private async Task<ConflictResolution?> ResolveConflictAsync(State state, MemoryRecord current, long? expectedVersion, bool isDelete, CancellationToken cancellationToken)
    {
        if (expectedVersion is not long expected || expected == current.Version)
        {
            return null;
        }

        var policy = state.Access.Get(current.Namespace).Policy;
        bool rejected = policy == ConflictPolicy.Reject || (isDelete && policy == ConflictPolicy.Merge);
        var now = Now();
        var resolution = new ConflictResolution
        {
            Id = "c" + NewId(now),
            Namespace = current.Namespace,
            MemoryId = current.Id,
            Policy = policy,
            Outcome = rejected ? "rejected" : policy == ConflictPolicy.Merge ? "merged" : "overwritten",
            ExpectedVersion = expected,
            FoundVersion = current.Version,
            Principal = Caller()?.Id,
            At = now,
        };

        if (rejected)
        {
            await state.Conflicts.UpsertAsync(StoredConflict.From(resolution), cancellationToken);
            throw new VersionConflictException(current.Id, expected, current.Version);
        }

        return resolution;
    }

    /// <summary>
    /// The conflict policy applied to an update: the resolution to record (null without a conflict) and the update to
    /// apply (merged into the current version under the merge policy).
    /// </summary>
    /// <exception cref="VersionConflictException">The policy refuses the update (the refusal is recorded).</exception>
    private async Task<(ConflictResolution? Conflict, ValidatedUpdate Change)> ResolveUpdateConflictAsync(
        State state, MemoryRecord current, ValidatedUpdate update, long? expectedVersion, CancellationToken cancellationToken)
    {
        var conflict = await ResolveConflictAsync(state, current, expectedVersion, isDelete: false, cancellationToken);
        return (conflict, conflict is { Policy: ConflictPolicy.Merge } ? MergeUpdate(current, update, state.Access.Get(current.Namespace).MergeContent) : update);
    }

    /// <summary>
    /// A stale update merged into the current version: tags united, metadata merged (incoming values win), content by
    /// the namespace's rule; the other fields it sets apply as given.
    /// </summary>
    private ValidatedUpdate MergeUpdate(MemoryRecord current, ValidatedUpdate incoming, MergeContentRule rule)
    {
        IReadOnlyList<string>? tags = incoming.Tags is null ? null : [.. current.Tags.Concat(incoming.Tags).Distinct(StringComparer.Ordinal)];
        if (tags is not null && tags.Count > _options.MaxTags)
        {
            throw new MemoryValidationException("tags", $"Merged with the current version the memory would have {tags.Count} tags; at most {_options.MaxTags} are allowed.");
        }

        Dictionary<string, string>? metadata = null;
        if (incoming.Metadata is not null)
        {
            metadata = new Dictionary<string, string>(current.Metadata, StringComparer.Ordinal);
            foreach (var (key, value) in incoming.Metadata)
            {
                metadata[key] = value;
            }

            if (metadata.Count > _options.MaxMetadataEntries)
            {
                throw new MemoryValidationException("metadata", $"Merged with the current version the memory would have {metadata.Count} metadata entries; at most {_options.MaxMetadataEntries} are allowed.");
            }
        }

        var update = rule == MergeContentRule.Current ? incoming.Update with { Content = null } : incoming.Update;
        return incoming with { Update = update, Tags = tags, Metadata = metadata };
    }

    private static string ValidateGrantee(string? value, string field = "grantee")
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 256 || value.Any(char.IsControl))
        {
            throw new MemoryValidationException(field, $"{field} must be a principal id or group name of 1 to 256 characters without control characters.");
        }

        return value;
    }
}
