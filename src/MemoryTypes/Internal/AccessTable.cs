namespace KernelMemoryPlus.Internal;

/// <summary>
/// The engine's in-memory copy of owners, namespace settings and grants, loaded from the store when the engine opens
/// and changed only after the store commits. Readers see an immutable snapshot (no locks on the hot path).
/// </summary>
internal sealed class AccessTable
{
    private readonly Lock _sync = new();
    private volatile Dictionary<string, Entry> _byNamespace = new(StringComparer.Ordinal);

    public AccessTable(IEnumerable<StoredAccess> rows) => Apply(rows);

    /// <summary>The owner, settings and grants of a namespace (empty when it has none).</summary>
    public Entry Get(string ns) => _byNamespace.GetValueOrDefault(ns) ?? Entry.Empty;

    /// <summary>The namespaces with an owner, settings or grants.</summary>
    public IEnumerable<KeyValuePair<string, Entry>> All => _byNamespace;

    /// <summary>Applies committed rows (a namespace row replaces its settings; a grant row adds or replaces a grant).</summary>
    public void Apply(IEnumerable<StoredAccess> rows)
    {
        lock (_sync)
        {
            var map = new Dictionary<string, Entry>(_byNamespace, StringComparer.Ordinal);
            foreach (var row in rows)
            {
                map[row.Namespace] = Apply(map.GetValueOrDefault(row.Namespace) ?? Entry.Empty, row);
            }

            _byNamespace = map;
        }
    }

    /// <summary>Forgets a revoked grant.</summary>
    public void RemoveGrant(string ns, string grantId)
    {
        lock (_sync)
        {
            if (!_byNamespace.TryGetValue(ns, out var entry))
            {
                return;
            }

            var map = new Dictionary<string, Entry>(_byNamespace, StringComparer.Ordinal)
            {
                [ns] = entry with { Grants = [.. entry.Grants.Where(g => g.Id != grantId)] },
            };
            _byNamespace = map;
        }
    }

    private static Entry Apply(Entry entry, StoredAccess row)
    {
        if (row.Kind == StoredAccess.KindNamespace)
        {
            return entry with
            {
                Owner = row.Owner,
                Policy = Enum.TryParse<ConflictPolicy>(row.ConflictPolicy, out var policy) ? policy : ConflictPolicy.Reject,
                MergeContent = Enum.TryParse<MergeContentRule>(row.MergeContent, out var rule) ? rule : MergeContentRule.Incoming,
            };
        }

        var grant = ToGrant(row);
        return entry with { Grants = [.. entry.Grants.Where(g => g.Id != grant.Id), grant] };
    }

    public static MemoryGrant ToGrant(StoredAccess row) => new()
    {
        Id = row.Id,
        Namespace = row.Namespace,
        MemoryId = row.MemoryId,
        Grantee = row.Grantee ?? "",
        IsGroup = row.IsGroup,
        Permission = Enum.IsDefined((MemoryPermission)row.Permission) ? (MemoryPermission)row.Permission : MemoryPermission.Read,
        ExpiresAt = row.ExpiresAt is long e ? DateTimeOffset.FromUnixTimeMilliseconds(e) : null,
        GrantedBy = row.GrantedBy ?? "",
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt),
    };

    public static StoredAccess ToStored(MemoryGrant grant) => new()
    {
        Id = grant.Id,
        Kind = StoredAccess.KindGrant,
        Namespace = grant.Namespace,
        MemoryId = grant.MemoryId,
        Grantee = grant.Grantee,
        IsGroup = grant.IsGroup,
        Permission = (int)grant.Permission,
        ExpiresAt = grant.ExpiresAt?.ToUnixTimeMilliseconds(),
        GrantedBy = grant.GrantedBy,
        CreatedAt = grant.CreatedAt.ToUnixTimeMilliseconds(),
    };

    public static StoredAccess ToStored(string ns, string? owner, ConflictPolicy policy, MergeContentRule mergeContent) => new()
    {
        Id = StoredAccess.NamespaceKey(ns),
        Kind = StoredAccess.KindNamespace,
        Namespace = ns,
        Owner = owner,
        ConflictPolicy = policy.ToString(),
        MergeContent = mergeContent.ToString(),
    };

    /// <summary>One namespace's owner, settings and grants.</summary>
    public sealed record Entry(string? Owner, ConflictPolicy Policy, MergeContentRule MergeContent, MemoryGrant[] Grants)
    {
        public static readonly Entry Empty = new(null, ConflictPolicy.Reject, MergeContentRule.Incoming, []);

        /// <summary>True when the grant names the principal or one of its groups.</summary>
        public static bool Matches(MemoryGrant grant, MemoryPrincipal principal) =>
            grant.IsGroup ? principal.Groups.Contains(grant.Grantee, StringComparer.Ordinal) : grant.Grantee == principal.Id;

        /// <summary>The highest active namespace-wide permission granted to the principal (owner: admin).</summary>
        public MemoryPermission? NamespacePermission(MemoryPrincipal principal, DateTimeOffset now)
        {
            if (principal.IsAdmin || (Owner is not null && Owner == principal.Id))
            {
                return MemoryPermission.Admin;
            }

            MemoryPermission? best = null;
            foreach (var grant in Grants)
            {
                if (grant.MemoryId is null && grant.IsActiveAt(now) && Matches(grant, principal) && (best is null || grant.Permission > best))
                {
                    best = grant.Permission;
                }
            }

            return best;
        }

        /// <summary>The highest active permission granted on one memory itself.</summary>
        public MemoryPermission? MemoryPermissionOf(MemoryPrincipal principal, string memoryId, DateTimeOffset now)
        {
            MemoryPermission? best = null;
            foreach (var grant in Grants)
            {
                if (grant.MemoryId == memoryId && grant.IsActiveAt(now) && Matches(grant, principal) && (best is null || grant.Permission > best))
                {
                    best = grant.Permission;
                }
            }

            return best;
        }

        /// <summary>The memories the principal was given a permission on, one by one.</summary>
        public HashSet<string> MemoryGrantsOf(MemoryPrincipal principal, DateTimeOffset now, MemoryPermission atLeast)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var grant in Grants)
            {
                if (grant.MemoryId is not null && grant.Permission >= atLeast && grant.IsActiveAt(now) && Matches(grant, principal))
                {
                    ids.Add(grant.MemoryId);
                }
            }

            return ids;
        }
    }
}
