using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace KernelMemoryPlus.Server.Api;

/// <summary>
/// Entity tags of memories: the strong tag <c>"&lt;version&gt;"</c>, so a client that read version 3 sends
/// <c>If-Match: "3"</c> to change or delete exactly that version.
/// </summary>
internal static class ETags
{
    /// <summary>The entity tag of a memory version.</summary>
    public static string Format(long version) => $"\"{version}\"";

    /// <summary>
    /// Reads <c>If-Match</c>: null when absent or <c>*</c> (any version), else the one version it names.
    /// </summary>
    /// <exception cref="MemoryValidationException">The header is not one strong entity tag of a version, nor <c>*</c>.</exception>
    public static long? ParseIfMatch(StringValues header)
    {
        if (StringValues.IsNullOrEmpty(header))
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count != 1)
        {
            throw new MemoryValidationException(HeaderNames.IfMatch, "If-Match must hold exactly one entity tag, the ETag of the memory as read (for example \"3\"), or *.");
        }

        var tag = tags[0];
        if (tag.Equals(EntityTagHeaderValue.Any))
        {
            return null;
        }

        if (tag.IsWeak || !TryReadVersion(tag, out long version))
        {
            throw new MemoryValidationException(HeaderNames.IfMatch, "If-Match must be a strong entity tag holding the memory's version, as sent in its ETag header (for example \"3\"), or *.");
        }

        return version;
    }

    /// <summary>Whether <c>If-None-Match</c> names the given version (weak comparison, as RFC 9110 asks) or is <c>*</c>.</summary>
    public static bool IfNoneMatchHits(StringValues header, long version)
    {
        if (StringValues.IsNullOrEmpty(header) || !EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        foreach (var tag in tags)
        {
            if (tag.Equals(EntityTagHeaderValue.Any) || (TryReadVersion(tag, out long named) && named == version))
            {
                return true;
            }
        }

        return false;
    }

    private static bool TryReadVersion(EntityTagHeaderValue tag, out long version)
    {
        var segment = tag.Tag;
        return long.TryParse(segment.AsSpan(1, Math.Max(0, segment.Length - 2)), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out version)
            && version > 0;
    }
}
