using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace KernelMemoryPlus.Server.Mcp;

/// <summary>
/// Tool results written once as JSON and sent as written. The SDK turns a tool's <see cref="CallToolResult"/> into a
/// <see cref="JsonNode"/> (serialize, then parse) and the transport writes that node again, so a large answer —
/// a <c>search_nodes</c> hit list of a thousand entities, carried twice (JSON text and structured content) — was
/// escaped, parsed, unescaped and escaped again: about a third of the server's time per search. A tool that has its
/// whole result as UTF-8 JSON hands it over with <see cref="Send"/>; the SDK then serializes a one-line stand-in,
/// and <see cref="OutgoingFilter"/> puts the written bytes in the response's place as it leaves, over either
/// transport.
/// </summary>
/// <remarks>
/// The bytes travel in the request's <see cref="MessageContext.Items"/>, which the SDK gives the response too
/// (its context is the request's). Should the response ever leave without passing the filter, the client reads the
/// stand-in: an error result saying so, never a silently empty answer.
/// </remarks>
internal static class PreSerializedResults
{
    private const string ItemKey = "kmp/pre-serialized-result";

    /// <summary>The stand-in's text (compared by reference to recognize it).</summary>
    internal static readonly string StandInText = "The server failed to attach this tool call's result; please retry the call.";

    /// <summary>
    /// How the raw bytes are written: a JSON value node writes itself with the type metadata of the serializer options
    /// the transport writes with, which are those of the SDK's source-generated context; a metadata object made for
    /// those very options is used as it is. Null when they cannot be found (another SDK version): then tools return
    /// their results the ordinary way.
    /// </summary>
    private static readonly JsonTypeInfo<RawResult>? s_rawInfo = CreateRawInfo();

    /// <summary>True when results can be sent pre-serialized (see <see cref="s_rawInfo"/>).</summary>
    public static bool IsAvailable => s_rawInfo is not null;

    /// <summary>
    /// Sends <paramref name="json"/> — a complete <c>CallToolResult</c> object (<c>content</c>, <c>structuredContent</c>,
    /// …) as valid UTF-8 JSON — as the result of the tool call of <paramref name="context"/>.
    /// </summary>
    /// <returns>The stand-in for the tool to return.</returns>
    public static CallToolResult Send(RequestContext<CallToolRequestParams> context, ReadOnlyMemory<byte> json)
    {
        context.Items[ItemKey] = new RawResult(json);
        return new CallToolResult { Content = [new TextContentBlock { Text = StandInText }], IsError = true };
    }

    /// <summary>True for the stand-in <see cref="Send"/> returns (its real result is sent in its place).</summary>
    public static bool IsStandIn(CallToolResult result) =>
        result.Content is [TextContentBlock { Text: var text }] && ReferenceEquals(text, StandInText);

    /// <summary>The outgoing message filter that replaces a stand-in result by the bytes sent with <see cref="Send"/>.</summary>
    public static McpMessageHandler OutgoingFilter(McpMessageHandler next) =>
        (context, cancellationToken) =>
        {
            if (context.JsonRpcMessage is JsonRpcResponse response
                && response.Context?.Items is { } items
                && items.Remove(ItemKey, out var value)
                && value is RawResult raw)
            {
                response.Result = JsonValue.Create(raw, s_rawInfo!);
            }

            return next(context, cancellationToken);
        };

    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reads one static property of a type the SDK assembly always has; a failure only turns the optimization off.")]
    private static JsonTypeInfo<RawResult>? CreateRawInfo()
    {
        try
        {
            var context = typeof(McpJsonUtilities).GetNestedType("JsonContext", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)
                ?.GetProperty("Default", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
                ?.GetValue(null) as JsonSerializerContext;
            return context is null ? null : JsonMetadataServices.CreateValueInfo<RawResult>(context.Options, new RawResultConverter());
        }
        catch (Exception ex) when (ex is System.Reflection.TargetInvocationException or InvalidOperationException or MemberAccessException)
        {
            return null;
        }
    }

    private sealed record RawResult(ReadOnlyMemory<byte> Json);

    /// <summary>Writes the bytes as they are (they were written by a <see cref="Utf8JsonWriter"/>, so they are valid JSON).</summary>
    private sealed class RawResultConverter : JsonConverter<RawResult>
    {
        public override RawResult Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("A pre-serialized result is only written.");

        public override void Write(Utf8JsonWriter writer, RawResult value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Json.Span, skipInputValidation: true);
    }
}
