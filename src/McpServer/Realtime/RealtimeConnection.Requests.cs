namespace KernelMemoryPlus.Server.Realtime;

internal sealed partial class RealtimeConnection
{
    private async Task HandleAsync(ReadOnlyMemory<byte> frame)
    {
        RequestId? id = null;
        try
        {
            var request = ClientRequestReader.Read(frame, _engine.Options.MaxResults);
            id = request.Id;
            switch (request)
            {
                case PingRequest:
                    await ReplyAsync(ServerFrames.Pong(id));
                    break;
                case SubscribeRequest subscribe:
                    await SubscribeAsync(subscribe);
                    break;
                case UnsubscribeRequest unsubscribe:
                    await UnsubscribeAsync(unsubscribe);
                    break;
                case ListRequest list:
                    StartList(list);
                    break;
                case CancelRequest cancel:
                    CancelList(cancel);
                    break;
            }
        }
        catch (ProtocolException ex)
        {
            await ReplyAsync(ServerFrames.Error(ex.Code, ex.Message, ex.Field, ex.Id ?? id));
        }
        catch (MemoryValidationException ex)
        {
            await ReplyAsync(ServerFrames.Error(ErrorCodes.InvalidField, ex.Message, ex.Field, id));
        }
        catch (MemoryAccessDeniedException ex)
        {
            await ReplyAsync(ServerFrames.Error(ErrorCodes.Forbidden, ex.Message, "namespace", id));
        }
        catch (Exception) when (_producers.IsCancellationRequested)
        {
            // The connection is closing (at server shutdown the engine may already be disposed).
        }
        catch (Exception ex)
        {
            // A store failure or a bug: this request fails, the connection and the server go on.
            LogRequestFailed(_logger, ex, Id);
            await ReplyAsync(ServerFrames.Error(ErrorCodes.InternalError, "The server could not carry out the request; its log has the details.", id: id));
        }
    }

    private async Task SubscribeAsync(SubscribeRequest request)
    {
        string key = request.Namespace ?? AllNamespaces;
        lock (_gate)
        {
            if (_subscriptions.ContainsKey(key))
            {
                throw new ProtocolException(
                    ErrorCodes.AlreadySubscribed,
                    "This connection already has a subscription for that namespace; unsubscribe first to start it again from another sequence.",
                    "namespace",
                    request.Id);
            }

            // Overlapping subscriptions would send the same change twice.
            if (key == AllNamespaces ? _subscriptions.Count > 0 : _subscriptions.ContainsKey(AllNamespaces))
            {
                throw new ProtocolException(
                    ErrorCodes.OverlappingSubscription,
                    "A subscription to every namespace (null) cannot share a connection with subscriptions to single namespaces: changes would arrive twice.",
                    "namespace",
                    request.Id);
            }

            if (_subscriptions.Count >= _settings.MaxSubscriptions)
            {
                throw new ProtocolException(
                    ErrorCodes.TooManySubscriptions,
                    $"A connection holds at most {_settings.MaxSubscriptions} subscriptions (setting {WebSocketSettings.SectionName}:MaxSubscriptions); unsubscribe one or open another connection.",
                    "namespace",
                    request.Id);
            }
        }

        var token = _producers.Token;
        await _engine.InitializeAsync(token);
        long head = _engine.LastSequence;
        long since = request.Since ?? head;
        if (since > head)
        {
            // Taken silently, such a cursor would skip every change up to it: it belongs to another store or to data
            // from before a restore.
            throw new ProtocolException(
                ErrorCodes.SinceAhead,
                $"\"since\" is {since} but this server's change feed ends at {head}; the sequence comes from another store or from before a restore. Subscribe with since 0 to read the feed again.",
                "since",
                request.Id);
        }

        // The engine judges the namespace before the client is told "subscribed".
        await _engine.GetChangesAsync(request.Namespace, since, 1, token);

        var subscription = new RealtimeSubscription(request.Namespace, since, CancellationTokenSource.CreateLinkedTokenSource(token));
        lock (_gate)
        {
            _subscriptions.Add(key, subscription);
        }

        // "subscribed" goes into the queue before the pump starts, so it precedes the subscription's first change.
        await ReplyAsync(ServerFrames.Subscribed(request.Id, request.Namespace, since, head));
        subscription.Pump = Task.Run(() => PumpAsync(subscription, key), CancellationToken.None);
        Track(subscription.Pump);
    }

    private async Task UnsubscribeAsync(UnsubscribeRequest request)
    {
        string key = request.Namespace ?? AllNamespaces;
        RealtimeSubscription? subscription;
        lock (_gate)
        {
            _subscriptions.Remove(key, out subscription);
        }

        if (subscription is null)
        {
            throw new ProtocolException(ErrorCodes.NotSubscribed, "This connection has no subscription for that namespace.", "namespace", request.Id);
        }

        // Wait for the pump to stop so that no change of this subscription follows "unsubscribed".
        await subscription.Cancellation.CancelAsync();
        await subscription.Pump;
        subscription.Cancellation.Dispose();
        await ReplyAsync(ServerFrames.Unsubscribed(request.Id, request.Namespace, subscription.LastQueued));
    }

    private async Task PumpAsync(RealtimeSubscription subscription, string key)
    {
        var token = subscription.Cancellation.Token;
        try
        {
            // The engine replays from the store, then streams live changes in order without gaps or duplicates.
            await foreach (var change in _engine.WatchAsync(subscription.Namespace, subscription.LastQueued, _settings.MaxPendingChanges, token))
            {
                if (!await _queue.EnqueueAsync(new OutgoingFrame(ServerFrames.Change(change), subscription, change.Sequence), token))
                {
                    return;
                }

                subscription.LastQueued = change.Sequence;
            }

            // Only a disposing engine ends the feed.
            await EndSubscriptionAsync(subscription, key, ErrorCodes.SubscriptionEnded, "The server ended the subscription because it is shutting down. Subscribe again later with since = resumeFrom.");
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Unsubscribed, or the connection is closing (at server shutdown the engine may already be disposed).
        }
        catch (ChangeFeedOverflowException)
        {
            LogPendingOverflow(_logger, Id, _settings.MaxPendingChanges);
            Terminate(CloseReason.Overflow);
        }
        catch (Exception ex)
        {
            LogSubscriptionFailed(_logger, ex, Id);
            await EndSubscriptionAsync(subscription, key, ErrorCodes.SubscriptionFailed, "The subscription failed on the server (its log has the details) and ended. Subscribe again with since = resumeFrom.");
        }
    }

    private async Task EndSubscriptionAsync(RealtimeSubscription subscription, string key, string code, string message)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(key, out var current) || current != subscription)
            {
                // Unsubscribed meanwhile, or the connection is closing: whoever removed it owns it.
                return;
            }

            _subscriptions.Remove(key);
        }

        // Every change the pump queued precedes this error, so resumeFrom loses nothing.
        await ReplyAsync(ServerFrames.SubscriptionError(code, message, subscription.Namespace, subscription.LastQueued));
        subscription.Cancellation.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A request on WebSocket connection {ConnectionId} failed")]
    private static partial void LogRequestFailed(ILogger logger, Exception exception, long connectionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A subscription on WebSocket connection {ConnectionId} failed")]
    private static partial void LogSubscriptionFailed(ILogger logger, Exception exception, long connectionId);
}
