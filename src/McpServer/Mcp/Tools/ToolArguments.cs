using System.Globalization;
using System.Text.Json;
using KernelMemoryPlus.Server.Mcp.Contracts;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace KernelMemoryPlus.Server.Mcp.Tools;

/// <summary>
/// Checks tool arguments against the tool's input schema before the call, so a missing or mistyped argument gets a
/// message naming it ("Argument 'limit' must be an integer.") instead of a generic binding failure; and converts
/// the loosely typed arguments the tools accept.
/// </summary>
internal static class ToolArguments
{
    /// <summary>Returns what is wrong with the arguments, or null when they fit the schema.</summary>
    /// <param name="schema">The tool's input schema.</param>
    /// <param name="arguments">The call's arguments.</param>
    public static string? Check(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        arguments ??= new Dictionary<string, JsonElement>();
        return CheckMembers(schema, name => arguments.TryGetValue(name, out var value) ? value : null, arguments.Keys, string.Empty);
    }

    /// <summary>Turns metadata given as a JSON object of strings, numbers or booleans into string metadata.</summary>
    public static Dictionary<string, string>? Metadata(IReadOnlyDictionary<string, JsonElement>? metadata)
    {
        if (metadata is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            result[key] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw new McpException($"Metadata value '{Printable(key)}' must be a string, number or boolean."),
            };
        }

        return result;
    }

    /// <summary>The namespace a call names, or the configured default.</summary>
    public static string Namespace(string? ns, IOptions<McpDoorOptions> options) =>
        string.IsNullOrWhiteSpace(ns) ? options.Value.DefaultNamespace : ns;

    public static MemoryKind Kind(MemoryKindArgument kind) => kind switch
    {
        MemoryKindArgument.Semantic => MemoryKind.Semantic,
        MemoryKindArgument.Procedural => MemoryKind.Procedural,
        _ => MemoryKind.Episodic,
    };

    private static string? CheckMembers(JsonElement schema, Func<string, JsonElement?> get, IEnumerable<string> present, string prefix)
    {
        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!))
            {
                var value = get(name);
                if (value is null or { ValueKind: JsonValueKind.Undefined }
                    || (value.Value.ValueKind == JsonValueKind.Null && !AllowsNull(schema, name)))
                {
                    return $"Missing required argument '{prefix}{name}'.";
                }
            }
        }

        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        foreach (var name in present)
        {
            // Unknown members are ignored, as the binder does; so are nulls, which stand for "not given".
            if (get(name) is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value
                && properties.TryGetProperty(name, out var property)
                && CheckValue(property, value, prefix + Printable(name)) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? CheckValue(JsonElement schema, JsonElement value, string path)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (schema.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array
            && !values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)))
        {
            return $"Argument '{path}' must be one of {string.Join(", ", values.EnumerateArray().Select(v => v.GetRawText()))}.";
        }

        var types = Types(schema);
        if (types.Count == 0)
        {
            return null;
        }

        foreach (var type in types)
        {
            switch (type)
            {
                case "object" when value.ValueKind == JsonValueKind.Object:
                    return CheckMembers(
                        schema,
                        name => value.TryGetProperty(name, out var member) ? member : null,
                        value.EnumerateObject().Select(p => p.Name).ToList(),
                        path + ".");
                case "array" when value.ValueKind == JsonValueKind.Array:
                    return schema.TryGetProperty("items", out var items) ? CheckItems(items, value, path) : null;
                case "string" when value.ValueKind == JsonValueKind.String && FitsFormat(schema, value.GetString()!):
                case "integer" when IsInteger(value):
                case "number" when IsNumber(value):
                case "boolean" when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                case "null" when value.ValueKind == JsonValueKind.Null:
                case not ("object" or "array" or "string" or "integer" or "number" or "boolean" or "null"):
                    return null;
            }
        }

        return $"Argument '{path}' must be {Describe(schema, types)}.";
    }

    private static string? CheckItems(JsonElement items, JsonElement array, string path)
    {
        int i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (CheckValue(items, item, $"{path}[{i++}]") is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static bool AllowsNull(JsonElement schema, string name) =>
        schema.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object
        && properties.TryGetProperty(name, out var property) && Types(property).Contains("null");

    private static bool IsNumber(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number
        || (value.ValueKind == JsonValueKind.String && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _));

    private static bool IsInteger(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetInt64(out _),
        JsonValueKind.String => long.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        _ => false,
    };

    private static bool FitsFormat(JsonElement schema, string value) =>
        !schema.TryGetProperty("format", out var format) || format.GetString() != "date-time"
        || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private static List<string> Types(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return [];
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => [type.GetString()!],
            JsonValueKind.Array => type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!).ToList(),
            _ => [],
        };
    }

    private static string Describe(JsonElement schema, List<string> types)
    {
        var main = types.FirstOrDefault(t => t != "null") ?? "null";
        return main switch
        {
            "string" when schema.TryGetProperty("format", out var f) && f.GetString() == "date-time" => "an ISO 8601 date and time, like 2026-01-31T12:00:00Z",
            "string" => "a string",
            "integer" => "an integer",
            "number" => "a number",
            "boolean" => "true or false",
            "object" => "an object",
            "array" when schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object
                => "an array of " + Plural(items),
            "array" => "an array",
            _ => main,
        };
    }

    private static string Plural(JsonElement items)
    {
        if (items.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
        {
            return "values from " + string.Join(", ", values.EnumerateArray().Select(v => v.GetRawText()));
        }

        return Types(items).FirstOrDefault(t => t != "null") switch
        {
            "string" => "strings",
            "integer" => "integers",
            "number" => "numbers",
            "boolean" => "booleans",
            "object" => "objects (see the input schema)",
            _ => "items (see the input schema)",
        };
    }

    /// <summary>A short, printable echo of a client-supplied name.</summary>
    private static string Printable(string name)
    {
        var clean = new string(name.Take(64).Select(c => char.IsControl(c) || c == '\'' ? '?' : c).ToArray());
        return name.Length > 64 ? clean + "…" : clean;
    }
}
