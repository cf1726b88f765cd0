namespace KernelMemoryPlus.Server.Tests.Realtime;

/// <summary>Writes memories and reads the engine's change feed, the truth the stream is checked against.</summary>
internal static class Feed
{
    public static async Task<List<ReceivedChange>> ReadAsync(MemoryEngine engine, string? ns, long since = 0)
    {
        var changes = new List<ReceivedChange>();
        while (true)
        {
            var page = await engine.GetChangesAsync(ns, since, 500, TestContext.Current.CancellationToken);
            changes.AddRange(page.Changes.Select(ReceivedChange.From));
            since = page.NextSince;
            if (!page.HasMore)
            {
                return changes;
            }
        }
    }

    /// <summary>Stores <paramref name="count"/> memories in one batch.</summary>
    public static Task<IReadOnlyList<MemoryRecord>> WriteAsync(MemoryEngine engine, string ns, int count, string author = "writer", string? content = null) =>
        engine.RememberManyAsync(
            Enumerable.Range(0, count).Select(i => new NewMemory { Namespace = ns, Content = content ?? $"note {i} in {ns}", Author = author }).ToList(),
            TestContext.Current.CancellationToken);
}
