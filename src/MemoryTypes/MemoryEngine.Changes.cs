using System.Runtime.CompilerServices;
using System.Threading.Channels;
using KernelMemoryPlus.Internal;
using Microsoft.Extensions.VectorData;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    private readonly Lock _watchersLock = new();
    private readonly List<Watcher> _watchers = [];

    /// <summary>Reads the change feed after a sequence number.</summary>
    /// <param name="ns">Only this namespace, or null for all.</param>
    /// <param name="since">Return changes with a sequence number greater than this (0 for all).</param>
    /// <param name="limit">Most changes to return (default 100, or <see cref="KernelMemoryPlusOptions.MaxResults"/> when lower).</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>The changes in order, and where to continue.</returns>
    public async Task<ChangePage> GetChangesAsync(string? ns, long since, int? limit = null, CancellationToken cancellationToken = default)
    {
        if (ns is not null)
        {
            InputValidator.Namespace(ns);
        }

        if (since < 0)
        {
            throw new MemoryValidationException("since", "since must be 0 or a sequence number returned earlier.");
        }

        int pageSize = InputValidator.Limit(limit ?? Math.Min(100, _options.MaxResults), _options);
        var state = await GetStateAsync(cancellationToken);
        if (ns is not null && await ReadScopeAsync(state, ns, cancellationToken) == ReadScope.Nothing)
        {
            return new ChangePage([], since, false);
        }

        // Only the changes the caller may see; the pages of the feed are read until the page is full or the feed
        // ends, and "next" moves past what was skipped so the caller never reads it again.
        var visible = ChangeFilter(state);
        var options = new FilteredRecordRetrievalOptions<StoredChange> { OrderBy = o => o.Ascending(c => c.Seq) };
        var changes = new List<ChangeEvent>(Math.Min(pageSize + 1, 1024));
        long scanned = since;
        while (true)
        {
            long after = scanned;
            var query = ns is null
                ? state.Changes.GetAsync(c => c.Seq > after, pageSize + 1, options, cancellationToken)
                : state.Changes.GetAsync(c => c.Seq > after && c.Namespace == ns, pageSize + 1, options, cancellationToken);
            int read = 0;
            await foreach (var stored in query)
            {
                read++;
                var change = RecordMapper.ToChange(stored);
                if (visible is null || visible(change))
                {
                    if (changes.Count == pageSize)
                    {
                        // One more visible change exists beyond the page.
                        return new ChangePage(changes, scanned, true);
                    }

                    changes.Add(change);
                }

                scanned = change.Sequence;
            }

            if (read <= pageSize)
            {
                return new ChangePage(changes, scanned, false);
            }
        }
    }

    /// <summary>
    /// Streams changes: first those after <paramref name="since"/> from the store, then live ones as they commit,
    /// in sequence order without gaps or duplicates. After a disconnect, call again with the last sequence number
    /// received.
    /// </summary>
    /// <param name="ns">Only this namespace, or null for all.</param>
    /// <param name="since">Start after this sequence number.</param>
    /// <param name="capacity">How many undelivered live changes to hold before the subscriber is cut off with a <see cref="ChangeFeedOverflowException"/>.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<ChangeEvent> WatchAsync(string? ns, long since, int capacity = 10_000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (ns is not null)
        {
            InputValidator.Namespace(ns);
        }

        if (capacity < 1)
        {
            throw new MemoryValidationException("capacity", "capacity must be positive.");
        }

        var state = await GetStateAsync(cancellationToken);
        if (ns is not null)
        {
            // Refused up front when the caller may read nothing of the namespace.
            await ReadScopeAsync(state, ns, cancellationToken);
        }

        // Checked for every live change with the grants as they are then: a revoked grant stops the stream's changes.
        var visible = ChangeFilter(state);

        // Register before replaying so nothing committed in between is missed; duplicates are skipped by sequence.
        var watcher = new Watcher(ns, capacity);
        lock (_watchersLock)
        {
            _watchers.Add(watcher);
        }

        try
        {
            long last = since;
            while (true)
            {
                var page = await GetChangesAsync(ns, last, Math.Min(_options.MaxResults, 500), cancellationToken);
                foreach (var change in page.Changes)
                {
                    yield return change;
                }

                last = page.NextSince;

                if (!page.HasMore)
                {
                    break;
                }
            }

            while (true)
            {
                ChangeEvent change;
                try
                {
                    change = await watcher.Channel.Reader.ReadAsync(cancellationToken);
                }
                catch (ChannelClosedException ex) when (ex.InnerException is null)
                {
                    yield break;
                }
                catch (ChannelClosedException ex) when (ex.InnerException is ChangeFeedOverflowException)
                {
                    throw new ChangeFeedOverflowException(last, capacity);
                }

                if (change.Sequence <= last)
                {
                    continue;
                }

                last = change.Sequence;
                if (visible is null || visible(change))
                {
                    yield return change;
                }
            }
        }
        finally
        {
            lock (_watchersLock)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private void Publish(List<ChangeEvent> changes)
    {
        if (changes.Count == 0)
        {
            return;
        }

        Watcher[] watchers;
        lock (_watchersLock)
        {
            if (_watchers.Count == 0)
            {
                return;
            }

            watchers = [.. _watchers];
        }

        foreach (var watcher in watchers)
        {
            foreach (var change in changes)
            {
                if (watcher.Namespace is not null && watcher.Namespace != change.Namespace)
                {
                    continue;
                }

                if (!watcher.Channel.Writer.TryWrite(change))
                {
                    // Bounded memory: a subscriber that cannot keep up is cut off and resumes from its last sequence.
                    watcher.Channel.Writer.TryComplete(new ChangeFeedOverflowException(0, watcher.Capacity));
                    break;
                }
            }
        }
    }

    private void CompleteWatchers()
    {
        lock (_watchersLock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Channel.Writer.TryComplete();
            }
        }
    }

    private sealed class Watcher(string? ns, int capacity)
    {
        public string? Namespace { get; } = ns;

        public int Capacity { get; } = capacity;

        public Channel<ChangeEvent> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<ChangeEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }
}
