namespace KernelMemoryPlus.Internal;

/// <summary>Checks caller input before anything is written. Every failure names the field and what is allowed.</summary>
internal static class InputValidator
{
    public const int MaxNamespaceLength = 128;
    public const int MaxTagLength = 64;
    public const int MaxKeyLength = 64;
    public const int MaxIdLength = 128;
    public const int MaxShortTextLength = 512;

    public static string Namespace(string? value, string field = "namespace")
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new MemoryValidationException(field, "The namespace is required.");
        }

        if (value.Length > MaxNamespaceLength)
        {
            throw new MemoryValidationException(field, $"The namespace is {value.Length} characters long; at most {MaxNamespaceLength} are allowed.");
        }

        if (!char.IsAsciiLetterOrDigit(value[0]))
        {
            throw new MemoryValidationException(field, "The namespace must start with an ASCII letter or digit.");
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':' or '/'))
            {
                throw new MemoryValidationException(field, $"The namespace contains '{Printable(c)}'; only ASCII letters, digits and . _ - : / are allowed.");
            }
        }

        if (value.Contains("..", StringComparison.Ordinal) || value.EndsWith('/'))
        {
            throw new MemoryValidationException(field, "The namespace must not contain '..' or end with '/'.");
        }

        return value;
    }

    public static string Id(string? value, string field = "id")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MemoryValidationException(field, "The id is required.");
        }

        if (value.Length > MaxIdLength || value.Any(char.IsControl))
        {
            throw new MemoryValidationException(field, $"The id must be at most {MaxIdLength} printable characters.");
        }

        return value;
    }

    public static string Content(string? value, KernelMemoryPlusOptions options, string field = "content")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MemoryValidationException(field, "The content must not be empty.");
        }

        if (value.Length > options.MaxContentLength)
        {
            throw new MemoryValidationException(field, $"The content is {value.Length} characters long; the limit is {options.MaxContentLength} (setting MaxContentLength).");
        }

        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new MemoryValidationException(field, "The content must not contain NUL characters.");
        }

        return value;
    }

    public static IReadOnlyList<string> Tags(IReadOnlyList<string>? tags, KernelMemoryPlusOptions options, string field = "tags")
    {
        if (tags is null || tags.Count == 0)
        {
            return [];
        }

        if (tags.Count > options.MaxTags)
        {
            throw new MemoryValidationException(field, $"{tags.Count} tags given; at most {options.MaxTags} are allowed (setting MaxTags).");
        }

        var result = new List<string>(tags.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < tags.Count; i++)
        {
            var tag = tags[i]?.Trim();
            if (string.IsNullOrEmpty(tag))
            {
                throw new MemoryValidationException($"{field}[{i}]", "Tags must not be empty.");
            }

            if (tag.Length > MaxTagLength || tag.Any(char.IsControl))
            {
                throw new MemoryValidationException($"{field}[{i}]", $"Tags must be at most {MaxTagLength} printable characters.");
            }

            var normalized = tag.ToLowerInvariant();
            if (seen.Add(normalized))
            {
                result.Add(normalized);
            }
        }

        return result;
    }

    public static IReadOnlyDictionary<string, string> Metadata(IReadOnlyDictionary<string, string>? metadata, KernelMemoryPlusOptions options, string field = "metadata")
    {
        if (metadata is null || metadata.Count == 0)
        {
            return new Dictionary<string, string>();
        }

        if (metadata.Count > options.MaxMetadataEntries)
        {
            throw new MemoryValidationException(field, $"{metadata.Count} metadata entries given; at most {options.MaxMetadataEntries} are allowed (setting MaxMetadataEntries).");
        }

        var result = new Dictionary<string, string>(metadata.Count, StringComparer.Ordinal);
        foreach (var (key, value) in metadata)
        {
            MetadataKey(key, $"{field}.{key}");
            if (value is null)
            {
                throw new MemoryValidationException($"{field}.{key}", "Metadata values must not be null.");
            }

            if (value.Length > options.MaxMetadataValueLength)
            {
                throw new MemoryValidationException($"{field}.{key}", $"The metadata value is {value.Length} characters long; the limit is {options.MaxMetadataValueLength} (setting MaxMetadataValueLength).");
            }

            result[key] = value;
        }

        return result;
    }

    public static void MetadataKey(string? key, string field)
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength)
        {
            throw new MemoryValidationException(field, $"Metadata keys must be 1 to {MaxKeyLength} characters.");
        }

        foreach (var c in key)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':'))
            {
                throw new MemoryValidationException(field, $"The metadata key contains '{Printable(c)}'; only ASCII letters, digits and . _ - : are allowed.");
            }
        }
    }

    public static double Importance(double? value, string field = "importance")
    {
        var v = value ?? 0.5;
        if (double.IsNaN(v) || v < 0 || v > 1)
        {
            throw new MemoryValidationException(field, $"Importance must be between 0 and 1 (got {v}).");
        }

        return v;
    }

    public static string? ShortText(string? value, string field, bool required = false)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                throw new MemoryValidationException(field, $"The {field} is required.");
            }

            return null;
        }

        if (value.Length > MaxShortTextLength || value.Any(char.IsControl))
        {
            throw new MemoryValidationException(field, $"The {field} must be at most {MaxShortTextLength} printable characters.");
        }

        return value.Trim();
    }

    public static string LinkType(string? value, string field = "type")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MemoryValidationException(field, "The link type is required.");
        }

        var v = value.Trim().ToLowerInvariant();
        if (v.Length > MaxKeyLength || !v.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or ':'))
        {
            throw new MemoryValidationException(field, $"The link type must be 1 to {MaxKeyLength} ASCII letters, digits, '_', '-' or ':'.");
        }

        return v;
    }

    public static double Weight(double value, string field = "weight")
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            throw new MemoryValidationException(field, $"The weight must be between 0 and 1 (got {value}).");
        }

        return value;
    }

    public static int Limit(int value, KernelMemoryPlusOptions options, string field = "limit")
    {
        if (value < 1 || value > options.MaxResults)
        {
            throw new MemoryValidationException(field, $"The limit must be between 1 and {options.MaxResults} (got {value}).");
        }

        return value;
    }

    public static void Filter(MemoryFilter? filter, KernelMemoryPlusOptions options, string field = "filter")
    {
        if (filter is null)
        {
            return;
        }

        if (filter.Tags is not null)
        {
            Tags(filter.Tags, options, $"{field}.tags");
        }

        if (filter.AnyTags is not null)
        {
            Tags(filter.AnyTags, options, $"{field}.anyTags");
        }

        if (filter.Metadata is not null)
        {
            Metadata(filter.Metadata, options, $"{field}.metadata");
        }

        if (filter.From is { } from && filter.To is { } to && from > to)
        {
            throw new MemoryValidationException($"{field}.from", "The time range is empty: 'from' is after 'to'.");
        }

        if (filter.Kinds is not null)
        {
            foreach (var kind in filter.Kinds)
            {
                if (!Enum.IsDefined(kind))
                {
                    throw new MemoryValidationException($"{field}.kinds", $"Unknown memory kind '{(int)kind}'.");
                }
            }
        }

        ShortText(filter.SessionId, $"{field}.sessionId");
        ShortText(filter.Author, $"{field}.author");
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
