using System.Text.Json;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>
/// Reads one client frame into a <see cref="ClientRequest"/>. Checks the shape (JSON, types, required fields) and
/// names the bad field; the values themselves (namespace syntax, limits) are the engine's to judge.
/// </summary>
internal static class ClientRequestReader
{
    /// <summary>Page size of a listing when the client does not choose one.</summary>
    public const int DefaultPageSize = 100;

    private const string Types = "subscribe, unsubscribe, list, cancel or ping";

    // Requests are flat objects; deep nesting is only ever an attack on the parser.
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };

    /// <summary>Reads a request.</summary>
    /// <param name="utf8">The frame.</param>
    /// <param name="maxPageSize">The largest page size a listing may ask for.</param>
    /// <exception cref="ProtocolException">The frame is not a valid request.</exception>
    public static ClientRequest Read(ReadOnlyMemory<byte> utf8, int maxPageSize)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, ParseOptions);
        }
        catch (JsonException ex)
        {
            throw new ProtocolException(ErrorCodes.InvalidJson, $"The frame is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ProtocolException(ErrorCodes.InvalidMessage, $"A request must be a JSON object with a \"type\" ({Types}).");
            }

            var id = ReadId(root);
            if (!root.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw new ProtocolException(ErrorCodes.InvalidField, $"\"type\" is required and must be a string: {Types}.", "type", id);
            }

            return type.GetString() switch
            {
                "subscribe" => new SubscribeRequest(id, ReadNamespace(root, id, allowAll: true), ReadSince(root, id)),
                "unsubscribe" => new UnsubscribeRequest(id, ReadNamespace(root, id, allowAll: true)),
                "ping" => new PingRequest(id),
                "list" => new ListRequest(
                    RequireId(id, "list"),
                    ReadNamespace(root, id, allowAll: false)!,
                    ReadPageSize(root, id, maxPageSize),
                    ReadKind(root, id),
                    ReadOptionalString(root, "tag", id)),
                "cancel" => new CancelRequest(RequireId(id, "cancel")),
                var other => throw new ProtocolException(ErrorCodes.UnknownType, $"Unknown \"type\" '{Shorten(other)}'; use {Types}.", "type", id),
            };
        }
    }

    private static RequestId? ReadId(JsonElement root)
    {
        if (!root.TryGetProperty("id", out var id) || id.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= RequestId.MaxLength } text)
        {
            return RequestId.FromString(text);
        }

        if (id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out long number))
        {
            return RequestId.FromNumber(number);
        }

        throw new ProtocolException(ErrorCodes.InvalidField, $"\"id\" must be a string of 1 to {RequestId.MaxLength} characters or an integer.", "id");
    }

    private static RequestId RequireId(RequestId? id, string type) =>
        id ?? throw new ProtocolException(ErrorCodes.InvalidField, $"\"id\" is required for \"{type}\": the replies carry it so several listings can run at once.", "id");

    private static string? ReadNamespace(JsonElement root, RequestId? id, bool allowAll)
    {
        // Required even where null is allowed: a misspelt property must not silently mean "every namespace".
        if (!root.TryGetProperty("namespace", out var ns))
        {
            throw new ProtocolException(
                ErrorCodes.InvalidField,
                allowAll ? "\"namespace\" is required: a namespace, or null for every namespace." : "\"namespace\" is required.",
                "namespace",
                id);
        }

        return ns.ValueKind switch
        {
            JsonValueKind.String => ns.GetString(),
            JsonValueKind.Null when allowAll => null,
            _ => throw new ProtocolException(
                ErrorCodes.InvalidField,
                allowAll ? "\"namespace\" must be a string, or null for every namespace." : "\"namespace\" must be a string.",
                "namespace",
                id),
        };
    }

    private static long? ReadSince(JsonElement root, RequestId? id)
    {
        if (!root.TryGetProperty("since", out var since) || since.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (since.ValueKind != JsonValueKind.Number || !since.TryGetInt64(out long value))
        {
            throw new ProtocolException(ErrorCodes.InvalidField, "\"since\" must be an integer: 0 for the whole feed, or the last sequence number received.", "since", id);
        }

        if (value < 0)
        {
            throw new ProtocolException(ErrorCodes.InvalidField, $"\"since\" is {value}; it must be 0 or greater (0 replays the whole feed).", "since", id);
        }

        return value;
    }

    private static int ReadPageSize(JsonElement root, RequestId? id, int maxPageSize)
    {
        if (!root.TryGetProperty("pageSize", out var pageSize) || pageSize.ValueKind == JsonValueKind.Null)
        {
            return Math.Min(DefaultPageSize, maxPageSize);
        }

        if (pageSize.ValueKind != JsonValueKind.Number || !pageSize.TryGetInt32(out int value) || value < 1 || value > maxPageSize)
        {
            throw new ProtocolException(ErrorCodes.InvalidField, $"\"pageSize\" must be an integer from 1 to {maxPageSize}.", "pageSize", id);
        }

        return value;
    }

    private static MemoryKind? ReadKind(JsonElement root, RequestId? id)
    {
        var text = ReadOptionalString(root, "kind", id);
        if (text is null)
        {
            return null;
        }

        // Enum.TryParse also takes "1" or "Episodic, Semantic"; only a plain name is a kind.
        if (!text.All(char.IsAsciiLetter) || !Enum.TryParse<MemoryKind>(text, ignoreCase: true, out var kind))
        {
            throw new ProtocolException(ErrorCodes.InvalidField, $"\"kind\" must be one of {string.Join(", ", Enum.GetNames<MemoryKind>())} (any case).", "kind", id);
        }

        return kind;
    }

    private static string? ReadOptionalString(JsonElement root, string name, RequestId? id)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new ProtocolException(ErrorCodes.InvalidField, $"\"{name}\" must be a string.", name, id);
    }

    private static string Shorten(string? text) =>
        text is null ? string.Empty : text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "...");
}
