namespace KernelMemoryPlus;

/// <summary>What kind of principal calls the engine.</summary>
public enum PrincipalKind
{
    /// <summary>An AI agent or service.</summary>
    Agent,

    /// <summary>A person.</summary>
    User,

    /// <summary>An administrator: every permission on every namespace.</summary>
    Admin,
}
