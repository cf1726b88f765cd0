namespace KernelMemoryPlus;

/// <summary>
/// Who is calling the engine: an authenticated agent, user or administrator, with the groups it belongs to. The doors
/// build it from the credentials they verified (never from what a client says about itself) and make it current for
/// the call with <see cref="Use"/>; the engine checks every read and write against it.
/// </summary>
/// <remarks>
/// With no current principal the caller is the application that embeds the engine and is trusted with everything,
/// unless <see cref="KernelMemoryPlusOptions.RequirePrincipal"/> is set (the server sets it): then such calls are
/// refused.
/// </remarks>
public sealed record MemoryPrincipal
{
    private static readonly AsyncLocal<MemoryPrincipal?> s_current = new();

    /// <summary>Creates a principal.</summary>
    /// <param name="id">Its identity (an API key's principal name or a token's subject).</param>
    /// <param name="kind">Agent, user or administrator.</param>
    /// <param name="groups">The groups it belongs to (grants to a group apply to its members).</param>
    /// <exception cref="ArgumentException">The id is empty, longer than 256 characters or has control characters.</exception>
    public MemoryPrincipal(string id, PrincipalKind kind = PrincipalKind.Agent, IReadOnlyList<string>? groups = null)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 256 || id.Any(char.IsControl))
        {
            throw new ArgumentException("A principal id is 1 to 256 characters without control characters.", nameof(id));
        }

        Id = id;
        Kind = kind;
        Groups = groups is null ? [] : [.. groups.Where(g => !string.IsNullOrWhiteSpace(g)).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Its identity.</summary>
    public string Id { get; }

    /// <summary>Agent, user or administrator.</summary>
    public PrincipalKind Kind { get; }

    /// <summary>The groups it belongs to.</summary>
    public IReadOnlyList<string> Groups { get; }

    /// <summary>Administrators may read and change everything and manage every grant.</summary>
    public bool IsAdmin => Kind == PrincipalKind.Admin;

    /// <summary>The principal of the current call (this async flow), or null for the embedding application.</summary>
    public static MemoryPrincipal? Current => s_current.Value;

    /// <summary>Makes <paramref name="principal"/> the caller of everything this async flow does until the result is disposed.</summary>
    /// <param name="principal">The authenticated principal (null: the embedding application).</param>
    /// <returns>Restores the previous principal when disposed.</returns>
    public static IDisposable Use(MemoryPrincipal? principal)
    {
        var previous = s_current.Value;
        s_current.Value = principal;
        return new Restore(previous);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()} '{Id}'";

    private sealed class Restore(MemoryPrincipal? previous) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                s_current.Value = previous;
            }
        }
    }
}
