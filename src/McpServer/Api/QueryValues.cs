namespace KernelMemoryPlus.Server.Api;

/// <summary>Reads enum values from the query string by name, in any case, as the JSON bodies accept them.</summary>
internal static class QueryValues
{
    /// <summary>The named value, or null when absent.</summary>
    /// <exception cref="MemoryValidationException">Not one of the names (numbers are refused too).</exception>
    public static TEnum? Enum<TEnum>(string? value, string field)
        where TEnum : struct, Enum
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (char.IsAsciiLetter(value[0]) && System.Enum.TryParse<TEnum>(value, ignoreCase: true, out var parsed) && System.Enum.IsDefined(parsed))
        {
            return parsed;
        }

        throw new MemoryValidationException(field, $"Unknown value; use one of {string.Join(", ", System.Enum.GetNames<TEnum>())}.");
    }

    /// <summary>The named values of a repeated parameter, or null when absent.</summary>
    /// <exception cref="MemoryValidationException">One is not one of the names.</exception>
    public static List<TEnum>? Enums<TEnum>(string[]? values, string field)
        where TEnum : struct, Enum
    {
        if (values is not { Length: > 0 })
        {
            return null;
        }

        var result = new List<TEnum>(values.Length);
        foreach (var value in values)
        {
            if (Enum<TEnum>(value, field) is { } parsed)
            {
                result.Add(parsed);
            }
        }

        return result.Count > 0 ? result : null;
    }
}
