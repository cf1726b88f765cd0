namespace KernelMemoryPlus.Internal;

/// <summary>Turns a validated <see cref="MemoryFilter"/> into a predicate over records.</summary>
internal static class FilterEvaluator
{
    public static Func<MemoryRecord, bool> Create(MemoryFilter? filter, DateTimeOffset now)
    {
        if (filter is null)
        {
            return r => r.IsValidAt(now);
        }

        var kinds = filter.Kinds is { Count: > 0 } k ? k.ToHashSet() : null;
        var allTags = filter.Tags is { Count: > 0 } t ? t.Select(x => x.Trim().ToLowerInvariant()).ToArray() : null;
        var anyTags = filter.AnyTags is { Count: > 0 } a ? a.Select(x => x.Trim().ToLowerInvariant()).ToHashSet(StringComparer.Ordinal) : null;
        var metadata = filter.Metadata is { Count: > 0 } m ? m.ToArray() : null;
        var validAt = filter.ValidAt ?? now;
        bool includeExpired = filter.IncludeExpired;

        return r =>
        {
            if (!includeExpired && !r.IsValidAt(validAt))
            {
                return false;
            }

            if (filter.ValidAt is { } at && !includeExpired && r.CreatedAt > at && r.ValidFrom is null)
            {
                // Asked about the past: a memory stored later was not known then.
                return false;
            }

            if (kinds is not null && !kinds.Contains(r.Kind))
            {
                return false;
            }

            if (filter.From is { } from && r.OccurredAt < from)
            {
                return false;
            }

            if (filter.To is { } to && r.OccurredAt >= to)
            {
                return false;
            }

            if (filter.SessionId is { } session && !string.Equals(r.SessionId, session.Trim(), StringComparison.Ordinal))
            {
                return false;
            }

            if (filter.Author is { } author && !string.Equals(r.Author, author.Trim(), StringComparison.Ordinal))
            {
                return false;
            }

            if (allTags is not null)
            {
                foreach (var tag in allTags)
                {
                    if (!r.Tags.Contains(tag, StringComparer.Ordinal))
                    {
                        return false;
                    }
                }
            }

            if (anyTags is not null && !r.Tags.Any(anyTags.Contains))
            {
                return false;
            }

            if (metadata is not null)
            {
                foreach (var (key, value) in metadata)
                {
                    if (!r.Metadata.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
                    {
                        return false;
                    }
                }
            }

            return true;
        };
    }
}
