namespace KernelMemoryPlus.Server.Realtime;

/// <summary>A request a client sent on the socket, already checked for shape (the engine checks values).</summary>
/// <param name="Id">The client's id for the request, echoed in replies.</param>
internal abstract record ClientRequest(RequestId? Id);

/// <summary><c>subscribe</c>: stream the changes of one namespace (or all, when null) after <paramref name="Since"/>.</summary>
internal sealed record SubscribeRequest(RequestId? Id, string? Namespace, long? Since) : ClientRequest(Id);

/// <summary><c>unsubscribe</c>: stop the subscription of one namespace (or the all-namespaces one, when null).</summary>
internal sealed record UnsubscribeRequest(RequestId? Id, string? Namespace) : ClientRequest(Id);

/// <summary><c>ping</c>: answered with <c>pong</c>.</summary>
internal sealed record PingRequest(RequestId? Id) : ClientRequest(Id);

/// <summary><c>list</c>: stream every memory of a namespace as <c>item</c> frames, then <c>end</c>.</summary>
internal sealed record ListRequest(RequestId ListId, string Namespace, int PageSize, MemoryKind? Kind, string? Tag) : ClientRequest(ListId);

/// <summary><c>cancel</c>: stop the listing with this id.</summary>
internal sealed record CancelRequest(RequestId ListId) : ClientRequest(ListId);
