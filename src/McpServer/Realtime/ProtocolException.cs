namespace KernelMemoryPlus.Server.Realtime;

/// <summary>A request the server refuses; it becomes an <c>error</c> frame and the connection goes on.</summary>
internal sealed class ProtocolException(string code, string message, string? field = null, RequestId? id = null) : Exception(message)
{
    public string Code { get; } = code;

    public string? Field { get; } = field;

    public RequestId? Id { get; } = id;
}
