namespace KernelMemoryPlus.Server.Realtime;

internal sealed partial class RealtimeConnection
{
    private void StartList(ListRequest request)
    {
        ListStream stream;
        lock (_gate)
        {
            if (_lists.ContainsKey(request.ListId.Key))
            {
                throw new ProtocolException(ErrorCodes.DuplicateId, "A listing with this id is still streaming; wait for its \"end\" or use another id.", "id", request.Id);
            }

            if (_lists.Count >= _settings.MaxConcurrentLists)
            {
                throw new ProtocolException(
                    ErrorCodes.TooManyLists,
                    $"At most {_settings.MaxConcurrentLists} listings stream at once on a connection (setting {WebSocketSettings.SectionName}:MaxConcurrentLists); wait for one to end.",
                    "id",
                    request.Id);
            }

            stream = new ListStream(request, CancellationTokenSource.CreateLinkedTokenSource(_producers.Token));
            _lists.Add(request.ListId.Key, stream);
        }

        Track(Task.Run(() => StreamListAsync(stream), CancellationToken.None));
    }

    private void CancelList(CancelRequest request)
    {
        ListStream? stream;
        lock (_gate)
        {
            _lists.TryGetValue(request.ListId.Key, out stream);
        }

        // An unknown id is a listing that already ended: its "end" frame is on the way, nothing to do.
        try
        {
            stream?.Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It ended just now.
        }
    }

    /// <summary>
    /// Streams a listing page by page through the engine's cursor: one page is in memory at a time, and each item
    /// waits for room in the send queue, so a large namespace never sits in memory as a whole.
    /// </summary>
    private async Task StreamListAsync(ListStream stream)
    {
        var request = stream.Request;
        var token = stream.Cancellation.Token;
        long count = 0;
        byte[]? last;
        try
        {
            var filter = request.Kind is null && request.Tag is null
                ? null
                : new MemoryFilter
                {
                    Kinds = request.Kind is { } kind ? [kind] : null,
                    Tags = request.Tag is { } tag ? [tag] : null,
                };
            string? cursor = null;
            do
            {
                var page = await _engine.ListAsync(request.Namespace, filter, cursor, request.PageSize, token);
                foreach (var memory in page.Items)
                {
                    if (!await _queue.EnqueueAsync(new OutgoingFrame(ServerFrames.Item(request.ListId, memory)), token))
                    {
                        return;
                    }

                    count++;
                }

                cursor = page.NextCursor;
            }
            while (cursor is not null);

            last = ServerFrames.End(request.ListId, count, cancelled: false);
        }
        catch (Exception) when (_producers.IsCancellationRequested)
        {
            // The connection is closing (at server shutdown the engine may already be disposed).
            return;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            last = ServerFrames.End(request.ListId, count, cancelled: true);
        }
        catch (MemoryValidationException ex)
        {
            last = ServerFrames.Error(ErrorCodes.InvalidField, ex.Message, ListField(ex.Field), request.ListId);
        }
        catch (MemoryAccessDeniedException ex)
        {
            last = ServerFrames.Error(ErrorCodes.Forbidden, ex.Message, "namespace", request.ListId);
        }
        catch (Exception ex)
        {
            LogListFailed(_logger, ex, Id);
            last = ServerFrames.Error(ErrorCodes.InternalError, "The listing failed on the server; its log has the details.", id: request.ListId);
        }
        finally
        {
            // Removed before "end" is queued, so a client that saw "end" may reuse the id at once.
            lock (_gate)
            {
                _lists.Remove(request.ListId.Key);
            }

            stream.Cancellation.Dispose();
        }

        await ReplyAsync(last);
    }

    /// <summary>Names the engine's field as the client wrote it.</summary>
    private static string ListField(string field) => field switch
    {
        "limit" => "pageSize",
        _ when field.StartsWith("filter.tags", StringComparison.Ordinal) => "tag",
        _ when field.StartsWith("filter.kinds", StringComparison.Ordinal) => "kind",
        _ => field,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "A listing on WebSocket connection {ConnectionId} failed")]
    private static partial void LogListFailed(ILogger logger, Exception exception, long connectionId);

    private sealed class ListStream(ListRequest request, CancellationTokenSource cancellation)
    {
        public ListRequest Request { get; } = request;

        public CancellationTokenSource Cancellation { get; } = cancellation;
    }
}
