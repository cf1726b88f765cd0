namespace KernelMemoryPlus.Server.Api;

/// <summary>The outcome of rebuilding hot indexes (<c>POST /api/v1/admin/reindex</c>).</summary>
/// <param name="Namespaces">The rebuilt namespaces with their counts.</param>
/// <param name="ElapsedMilliseconds">How long unloading and reloading took.</param>
public sealed record ReindexResponse(IReadOnlyList<ReindexedNamespace> Namespaces, long ElapsedMilliseconds);
