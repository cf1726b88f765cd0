using System.Text.Json;
using System.Text.RegularExpressions;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Turns what ASP.NET Core reports about a request it could not bind (malformed JSON, a wrong type, an unknown enum
/// value, a query value that is not a number) into the field the client sent and a message it can act on, without
/// .NET type names and without echoing the client's values.
/// </summary>
internal static partial class RequestErrors
{
    private static readonly Dictionary<string, string> EnumValues = new(StringComparer.Ordinal)
    {
        [typeof(MemoryKind).FullName!] = string.Join(", ", Enum.GetNames<MemoryKind>()),
        [nameof(MemoryKind)] = string.Join(", ", Enum.GetNames<MemoryKind>()),
        [typeof(LinkDirection).FullName!] = string.Join(", ", Enum.GetNames<LinkDirection>()),
        [nameof(LinkDirection)] = string.Join(", ", Enum.GetNames<LinkDirection>()),
        [typeof(BatchOperation).FullName!] = string.Join(", ", Enum.GetNames<BatchOperation>()),
        [nameof(BatchOperation)] = string.Join(", ", Enum.GetNames<BatchOperation>()),
    };

    /// <summary>The field and message for a request ASP.NET Core could not bind, or null when it is not a binding failure.</summary>
    public static (string Field, string Message)? Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is JsonException json)
        {
            return (FieldOf(json.Path), MessageOf(json));
        }

        var bind = BindFailure().Match(exception.Message);
        if (bind.Success)
        {
            return (bind.Groups["name"].Value, $"The value cannot be read as {Friendly(bind.Groups["type"].Value)}.");
        }

        var required = RequiredParameter().Match(exception.Message);
        if (required.Success)
        {
            var name = required.Groups["name"].Value;
            return name == "body"
                ? ("body", "A JSON body is required.")
                : (name, $"The parameter '{name}' is required.");
        }

        return null;
    }

    /// <summary>"$.items[3].memory.content" → "items[3].memory.content"; the root → "body".</summary>
    public static string FieldOf(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return "body";
        }

        return jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
    }

    private static string MessageOf(JsonException json)
    {
        if (json.InnerException is InvalidOperationException inner && inner.Message.Contains("invalid UTF", StringComparison.OrdinalIgnoreCase))
        {
            return "The string is not valid Unicode text (invalid UTF-8, or a lone UTF-16 surrogate).";
        }

        var text = json.Message;
        int cut = text.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0)
        {
            text = text[..cut];
        }

        var converted = ConvertedTo().Match(text);
        if (converted.Success)
        {
            return $"The value is not valid here: expected {Friendly(converted.Groups["type"].Value)}.";
        }

        string where = json.LineNumber is long line && json.BytePositionInLine is long position
            ? $" (line {line + 1}, byte {position + 1})"
            : string.Empty;
        return $"The body is not valid JSON{where}: {text}";
    }

    /// <summary>A plain description of a .NET type name as ASP.NET Core or System.Text.Json print it.</summary>
    private static string Friendly(string typeName)
    {
        var name = typeName.Trim();
        var nullable = NullableOf().Match(name);
        if (nullable.Success)
        {
            name = nullable.Groups["inner"].Value;
        }

        name = name.TrimEnd('?');
        bool array = name.EndsWith("[]", StringComparison.Ordinal);
        if (array)
        {
            name = name[..^2];
        }

        string single = name switch
        {
            "int" or "long" or "System.Int32" or "System.Int64" => "a whole number",
            "double" or "float" or "System.Double" or "System.Single" => "a number",
            "bool" or "System.Boolean" => "true or false",
            "string" or "System.String" => "a string",
            "System.DateTimeOffset" or "DateTimeOffset" or "System.DateTime" => "a date and time (ISO 8601)",
            "System.TimeSpan" or "TimeSpan" => "a duration (d.hh:mm:ss)",
            _ when EnumValues.TryGetValue(name, out var values) => $"one of {values}",
            _ when name.Contains("Dictionary", StringComparison.Ordinal) => "an object of string values",
            _ when name.Contains("List", StringComparison.Ordinal) || name.Contains("Enumerable", StringComparison.Ordinal) => "an array",
            _ => "an object",
        };
        return array ? $"a list of {single}" : single;
    }

    [GeneratedRegex("^Failed to bind parameter \"(?<type>[^\"]*) (?<name>[^\" ]+)\" from", RegexOptions.CultureInvariant)]
    private static partial Regex BindFailure();

    [GeneratedRegex("^(?:Required parameter|Implicit body inferred for parameter) \"(?<type>[^\"]*) (?<name>[^\" ]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex RequiredParameter();

    [GeneratedRegex("could not be converted to (?<type>.+?)\\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex ConvertedTo();

    [GeneratedRegex("^(?:System\\.Nullable`1\\[(?<inner>.+)\\]|Nullable<(?<inner>.+)>)$", RegexOptions.CultureInvariant)]
    private static partial Regex NullableOf();
}
