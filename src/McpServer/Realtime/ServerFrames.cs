using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>Builds the frames the server sends (UTF-8 JSON, one object per frame; see docs/websocket.md).</summary>
internal static class ServerFrames
{
    /// <summary>
    /// How memories are written in <c>item</c> frames: as the REST API writes them (camelCase properties, enums by
    /// name), so a client reads the same shape through both doors.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Frames are never embedded in HTML, so non-ASCII text need not be escaped (and stays compact).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
    };

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };


    public static byte[] Subscribed(RequestId? id, string? ns, long since, long head) => Write(w =>
    {
        w.WriteString("type", "subscribed");
        id?.WriteTo(w);
        w.WriteString("namespace", ns);
        w.WriteNumber("since", since);
        w.WriteNumber("head", head);
    });

    public static byte[] Unsubscribed(RequestId? id, string? ns, long lastSequence) => Write(w =>
    {
        w.WriteString("type", "unsubscribed");
        id?.WriteTo(w);
        w.WriteString("namespace", ns);
        w.WriteNumber("lastSequence", lastSequence);
    });

    public static byte[] Change(ChangeEvent change) => Write(w =>
    {
        w.WriteString("type", "change");
        w.WriteString("namespace", change.Namespace);
        w.WriteNumber("sequence", change.Sequence);
        w.WriteString("operation", OperationName(change.Operation));
        w.WriteString("entityId", change.EntityId);
        w.WriteNumber("version", change.Version);
        w.WriteString("at", change.At);
        w.WriteString("author", change.Author);
    });

    public static byte[] Pong(RequestId? id) => Write(w =>
    {
        w.WriteString("type", "pong");
        id?.WriteTo(w);
    });

    public static byte[] Item(RequestId id, MemoryRecord memory) => Write(w =>
    {
        w.WriteString("type", "item");
        id.WriteTo(w);
        w.WritePropertyName("memory");
        JsonSerializer.Serialize(w, memory, Json);
    });

    public static byte[] End(RequestId id, long count, bool cancelled) => Write(w =>
    {
        w.WriteString("type", "end");
        id.WriteTo(w);
        w.WriteNumber("count", count);
        w.WriteBoolean("cancelled", cancelled);
    });

    public static byte[] Error(string code, string message, string? field = null, RequestId? id = null) => Write(w =>
    {
        WriteErrorStart(w, code, message, field, id);
    });

    /// <summary>An error about one subscription: it says where that subscription resumes.</summary>
    public static byte[] SubscriptionError(string code, string message, string? ns, long resumeFrom) => Write(w =>
    {
        WriteErrorStart(w, code, message, field: null, id: null);
        w.WriteString("namespace", ns);
        w.WriteNumber("resumeFrom", resumeFrom);
    });

    /// <summary>The operation as change frames (and the REST change feed) write it: the enum's name.</summary>
    public static string OperationName(ChangeOperation operation) => operation.ToString();

    private static void WriteErrorStart(Utf8JsonWriter w, string code, string message, string? field, RequestId? id)
    {
        w.WriteString("type", "error");
        id?.WriteTo(w);
        w.WriteString("code", code);
        w.WriteString("message", message);
        if (field is not null)
        {
            w.WriteString("field", field);
        }
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
