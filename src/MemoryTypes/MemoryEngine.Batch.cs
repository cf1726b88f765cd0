using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus;

public sealed partial class MemoryEngine
{
    /// <summary>
    /// Applies creates, updates and deletes in one transaction: every item is validated and checked first (ids
    /// exist, expected versions match, no memory is touched twice); if any item fails, nothing is written and a
    /// <see cref="MemoryBatchException"/> lists every failing item. Otherwise all of them commit together.
    /// </summary>
    /// <param name="writes">The writes, at most <see cref="KernelMemoryPlusOptions.MaxBatchSize"/>.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>One result per write, in input order.</returns>
    /// <exception cref="MemoryBatchException">One or more items were invalid or stale; nothing was written.</exception>
    public async Task<IReadOnlyList<MemoryWriteResult>> ApplyBatchAsync(IReadOnlyList<MemoryWrite> writes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return [];
        }

        if (writes.Count > _options.MaxBatchSize)
        {
            throw new MemoryValidationException("items", $"{writes.Count} items given; a batch holds at most {_options.MaxBatchSize} (setting MaxBatchSize).");
        }

        var state = await GetStateAsync(cancellationToken);
        var now = Now();
        var errors = new List<MemoryBatchError>();
        var plans = new Plan[writes.Count];
        var touched = new HashSet<string>(StringComparer.Ordinal);

        // 1. Validate every item and read what it changes.
        for (int i = 0; i < writes.Count; i++)
        {
            string prefix = $"items[{i}].";
            try
            {
                plans[i] = writes[i] switch
                {
                    MemoryWrite.Create c => new Plan(MemoryWrite.Kind.Create, Prepare(c.Memory, prefix, now, state), null, null, c.Memory),
                    MemoryWrite.Update u => await PlanUpdateAsync(state, u, prefix, touched, cancellationToken),
                    MemoryWrite.Delete d => await PlanDeleteAsync(state, d, prefix, touched, cancellationToken),
                    null => throw new MemoryValidationException($"items[{i}]", "The item is null."),
                    _ => throw new MemoryValidationException($"items[{i}]", "Unknown kind of write."),
                };
            }
            catch (Exception ex) when (ex is MemoryValidationException or MemoryNotFoundException or VersionConflictException or MemoryAccessDeniedException or Embeddings.EmbeddingMismatchException)
            {
                errors.Add(new MemoryBatchError(i, ex));
            }
        }

        if (errors.Count > 0)
        {
            throw new MemoryBatchException(errors);
        }

        // 2. Embed new and changed texts outside the write gate.
        var creates = plans.Where(p => p.Kind == MemoryWrite.Kind.Create).ToList();
        var createVectors = await EmbedRecordsAsync(state, creates.Select(p => p.Input!).ToList(), creates.Select(p => p.Record).ToArray(), cancellationToken);
        var vectors = new Dictionary<string, ReadOnlyMemory<float>>(StringComparer.Ordinal);
        for (int i = 0; i < creates.Count; i++)
        {
            vectors[creates[i].Record.Id] = createVectors[i];
        }

        foreach (var plan in plans.Where(p => p.Kind == MemoryWrite.Kind.Update && NamespaceIndex.EmbeddingText(p.Record) != NamespaceIndex.EmbeddingText(p.Current!)))
        {
            vectors[plan.Record.Id] = await EmbedAsync(state, NamespaceIndex.EmbeddingText(plan.Record), cancellationToken);
        }

        // 3. Under the write gate: re-check versions against what is committed now, then commit everything at once.
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            var batch = new WriteBatch();
            var results = new MemoryWriteResult[plans.Length];
            for (int i = 0; i < plans.Length; i++)
            {
                var plan = plans[i];
                if (plan.Kind == MemoryWrite.Kind.Create)
                {
                    batch.Upsert(plan.Record, vectors[plan.Record.Id], ChangeOperation.Created);
                    results[i] = new MemoryWriteResult(i, ChangeOperation.Created, plan.Record.Id, plan.Record);
                    continue;
                }

                var index = await GetIndexAsync(state, plan.Record.Namespace, cancellationToken);
                var latest = ReadLocked(index, ix => ix.Get(plan.Record.Id));
                if (latest is null)
                {
                    errors.Add(new MemoryBatchError(i, new MemoryNotFoundException(plan.Record.Id)));
                    continue;
                }

                if (latest.Version != plan.Current!.Version)
                {
                    errors.Add(new MemoryBatchError(i, new VersionConflictException(latest.Id, plan.Current.Version, latest.Version)));
                    continue;
                }

                if (plan.Kind == MemoryWrite.Kind.Update)
                {
                    var next = plan.Record with { Version = latest.Version + 1, UpdatedAt = Now() };
                    var vector = vectors.TryGetValue(next.Id, out var v) ? v : ReadLocked(index, ix => ix.Vectors.Get(ix.SlotOf(next.Id)!.Value).ToArray());
                    batch.Upsert(next, vector, ChangeOperation.Updated);
                    if (plan.Conflict is { } conflict)
                    {
                        batch.Conflicts.Add(conflict with { ResultVersion = next.Version });
                    }

                    results[i] = new MemoryWriteResult(i, ChangeOperation.Updated, next.Id, next);
                }
                else
                {
                    batch.Delete(latest);
                    if (plan.Conflict is { } conflict)
                    {
                        batch.Conflicts.Add(conflict);
                    }

                    foreach (var link in ReadLocked(index, ix => ix.LinksOf(latest.Id, LinkDirection.Both).ToList()))
                    {
                        if (!batch.LinkDeletes.Any(l => l.Id == link.Id))
                        {
                            batch.DeleteLink(link);
                        }
                    }

                    results[i] = new MemoryWriteResult(i, ChangeOperation.Deleted, latest.Id, null);
                }
            }

            if (errors.Count > 0)
            {
                throw new MemoryBatchException(errors);
            }

            await CommitAsync(state, batch, cancellationToken);
            foreach (var deleted in batch.MemoryDeletes)
            {
                _dirtyAccess.TryRemove(deleted.Id, out _);
            }

            return results;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task<Plan> PlanUpdateAsync(State state, MemoryWrite.Update update, string prefix, HashSet<string> touched, CancellationToken cancellationToken)
    {
        InputValidator.Id(update.Id, prefix + "id");
        if (update.Changes is null)
        {
            throw new MemoryValidationException(prefix + "changes", "The changes are required.");
        }

        var validated = ValidateUpdate(update.Changes, prefix);
        var (_, current) = await FindAsync(state, update.Id, cancellationToken);
        EnsureCanWrite(state, current);
        (var conflict, validated) = await ResolveUpdateConflictAsync(state, current, validated, update.ExpectedVersion, cancellationToken);

        if (!touched.Add(update.Id))
        {
            throw new MemoryValidationException(prefix + "id", $"Memory '{update.Id}' appears more than once in the batch.");
        }

        return new Plan(MemoryWrite.Kind.Update, ApplyUpdate(current, validated, prefix), current, validated, null) { Conflict = conflict };
    }

    private async Task<Plan> PlanDeleteAsync(State state, MemoryWrite.Delete delete, string prefix, HashSet<string> touched, CancellationToken cancellationToken)
    {
        InputValidator.Id(delete.Id, prefix + "id");
        var (_, current) = await FindAsync(state, delete.Id, cancellationToken);
        EnsureCanWrite(state, current);
        var conflict = await ResolveConflictAsync(state, current, delete.ExpectedVersion, isDelete: true, cancellationToken);

        if (!touched.Add(delete.Id))
        {
            throw new MemoryValidationException(prefix + "id", $"Memory '{delete.Id}' appears more than once in the batch.");
        }

        return new Plan(MemoryWrite.Kind.Delete, current, current, null, null) { Conflict = conflict };
    }

    /// <summary>Validates the fields of an update once, before it is applied to any version.</summary>
    private ValidatedUpdate ValidateUpdate(MemoryUpdate update, string prefix)
    {
        if (update.Content is not null)
        {
            InputValidator.Content(update.Content, _options, prefix + "content");
        }

        return new ValidatedUpdate(
            update,
            update.Tags is null ? null : InputValidator.Tags(update.Tags, _options, prefix + "tags"),
            update.Metadata is null ? null : InputValidator.Metadata(update.Metadata, _options, prefix + "metadata"),
            update.Importance is null ? null : InputValidator.Importance(update.Importance, prefix + "importance"),
            update.Steps is null ? null : ValidateSteps(update.Steps, prefix + "steps"),
            Caller() is null ? InputValidator.ShortText(update.Author, prefix + "author") : null); // behind a door the author stays who wrote it
    }

    /// <summary>The record after a validated update (version and time are set when it commits).</summary>
    private static MemoryRecord ApplyUpdate(MemoryRecord current, ValidatedUpdate u, string prefix)
    {
        var next = current with
        {
            Content = u.Update.Content ?? current.Content,
            Tags = u.Tags ?? current.Tags,
            Metadata = u.Metadata ?? current.Metadata,
            Importance = u.Importance ?? current.Importance,
            OccurredAt = u.Update.OccurredAt is { } occurred ? RecordMapper.Truncate(occurred) : current.OccurredAt,
            ValidTo = u.Update.ValidTo is { } validTo ? RecordMapper.Truncate(validTo) : current.ValidTo,
            Pinned = u.Update.Pinned ?? current.Pinned,
            Private = u.Update.Private ?? current.Private,
            Steps = u.Steps ?? current.Steps,
            Author = u.Author ?? current.Author,
        };

        if (u.Update.ValidTo is not null && next.ValidFrom is { } validFrom && next.ValidTo <= validFrom)
        {
            throw new MemoryValidationException(prefix + "validTo", "validTo must be after validFrom.");
        }

        return next;
    }

    private sealed record ValidatedUpdate(
        MemoryUpdate Update,
        IReadOnlyList<string>? Tags,
        IReadOnlyDictionary<string, string>? Metadata,
        double? Importance,
        IReadOnlyList<string>? Steps,
        string? Author);

    private sealed record Plan(MemoryWrite.Kind Kind, MemoryRecord Record, MemoryRecord? Current, ValidatedUpdate? Update, NewMemory? Input)
    {
        /// <summary>A conflict the namespace's policy let through, recorded with the write.</summary>
        public ConflictResolution? Conflict { get; init; }
    }
}
