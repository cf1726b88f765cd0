namespace KernelMemoryPlus.Tests.Engine;

public sealed class MemoryEngineCrudTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RememberAsync_NewMemory_IsStoredAtVersionOneWithNormalizedFields()
    {
        await using var t = new TestEngine();

        var stored = await t.Engine.RememberAsync(new NewMemory
        {
            Namespace = TestEngine.Ns,
            Content = "The user prefers dark mode in the editor",
            Kind = MemoryKind.Semantic,
            Tags = ["UI", " preferences ", "ui"],
            Metadata = new Dictionary<string, string> { ["source"] = "chat" },
            Importance = 0.8,
            Author = "agent-1",
        }, Ct);

        Assert.Matches("^[0-9a-f]{32}$", stored.Id);
        Assert.Equal(1, stored.Version);
        Assert.Equal(TestEngine.Ns, stored.Namespace);
        Assert.Equal(MemoryKind.Semantic, stored.Kind);
        Assert.Equal(["ui", "preferences"], stored.Tags);
        Assert.Equal("chat", stored.Metadata["source"]);
        Assert.Equal(0.8, stored.Importance);
        Assert.Equal("agent-1", stored.Author);
        Assert.Equal(TestEngine.Start, stored.CreatedAt);
        Assert.Equal(TestEngine.Start, stored.UpdatedAt);
        Assert.Equal(TestEngine.Start, stored.OccurredAt);
        Assert.Equal("kmp-offline-v1", stored.EmbeddingModel);
        Assert.Null(stored.ValidTo);

        var read = await t.Engine.GetAsync(stored.Id, Ct);
        Assert.NotNull(read);
        Assert.Equal(stored.Content, read.Content);
        Assert.Equal(stored.Tags, read.Tags);
        Assert.Equal(stored.Version, read.Version);
        Assert.Equal(stored.CreatedAt, read.CreatedAt);
    }

    [Fact]
    public async Task RememberAsync_Defaults_AreEpisodicWithMediumImportance()
    {
        await using var t = new TestEngine();

        var stored = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Met Dana for coffee" }, Ct);

        Assert.Equal(MemoryKind.Episodic, stored.Kind);
        Assert.Equal(0.5, stored.Importance);
        Assert.Empty(stored.Tags);
        Assert.Empty(stored.Metadata);
    }

    [Fact]
    public async Task GetAsync_AfterReopeningEngine_ReadsTheStoredMemory()
    {
        await using var t = new TestEngine();
        var stored = await t.RememberAsync("Alice's birthday is on March 3rd", MemoryKind.Semantic, tags: ["birthday"]);

        await using var reopened = t.Reopen();
        var read = await reopened.GetAsync(stored.Id, Ct);

        Assert.NotNull(read);
        Assert.Equal(stored.Content, read.Content);
        Assert.Equal(stored.Tags, read.Tags);
        Assert.Equal(stored.CreatedAt, read.CreatedAt);
        Assert.Equal(MemoryKind.Semantic, read.Kind);
    }

    [Fact]
    public async Task GetRequiredAsync_UnknownId_ThrowsNotFoundNamingTheId()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.GetRequiredAsync("0123456789abcdef", Ct));

        Assert.Equal("0123456789abcdef", ex.Id);
    }

    [Fact]
    public async Task UpdateAsync_EachChange_IncreasesVersionByOne()
    {
        await using var t = new TestEngine();
        var stored = await t.RememberAsync("Draft the quarterly report");

        t.Time.Advance(TimeSpan.FromMinutes(5));
        var second = await t.Engine.UpdateAsync(stored.Id, new MemoryUpdate { Tags = ["work"] }, cancellationToken: Ct);
        t.Time.Advance(TimeSpan.FromMinutes(5));
        var third = await t.Engine.UpdateAsync(stored.Id, new MemoryUpdate { Importance = 0.9 }, expectedVersion: 2, cancellationToken: Ct);

        Assert.Equal(2, second.Version);
        Assert.Equal(3, third.Version);
        Assert.Equal(["work"], third.Tags);
        Assert.Equal(0.9, third.Importance);
        Assert.Equal(stored.Content, third.Content);
        Assert.Equal(TestEngine.Start, third.CreatedAt);
        Assert.Equal(TestEngine.Start.AddMinutes(10), third.UpdatedAt);
        Assert.Equal(3, (await t.Engine.GetRequiredAsync(stored.Id, Ct)).Version);
    }

    [Fact]
    public async Task UpdateAsync_StaleExpectedVersion_ThrowsConflictWithBothVersionsAndChangesNothing()
    {
        await using var t = new TestEngine();
        var stored = await t.RememberAsync("Draft the quarterly report");
        await t.Engine.UpdateAsync(stored.Id, new MemoryUpdate { Content = "Draft the annual report" }, expectedVersion: 1, cancellationToken: Ct);
        var before = await t.SnapshotAsync();

        var ex = await Assert.ThrowsAsync<VersionConflictException>(
            () => t.Engine.UpdateAsync(stored.Id, new MemoryUpdate { Content = "Draft the monthly report" }, expectedVersion: 1, cancellationToken: Ct));

        Assert.Equal(stored.Id, ex.Id);
        Assert.Equal(1, ex.ExpectedVersion);
        Assert.Equal(2, ex.CurrentVersion);
        Assert.Contains("version 2", ex.Message, StringComparison.Ordinal);
        var current = await t.Engine.GetRequiredAsync(stored.Id, Ct);
        Assert.Equal("Draft the annual report", current.Content);
        Assert.Equal(2, current.Version);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task UpdateAsync_ContentChange_ReEmbedsSoRecallFindsNewContentNotOld()
    {
        await using var t = new TestEngine();
        var memory = await t.RememberAsync("The cat sleeps on the sofa all afternoon");
        await t.RememberAsync("Bob plays the violin on weekends");

        await t.Engine.UpdateAsync(memory.Id, new MemoryUpdate { Content = "Quarterly revenue grew by twelve percent" }, cancellationToken: Ct);

        var keywordsOnly = new RetrievalWeights { Vector = 0 };
        var newHits = await t.RecallAsync("quarterly revenue", weights: keywordsOnly);
        var oldHits = await t.RecallAsync("cat sleeps on the sofa", weights: keywordsOnly);
        Assert.Equal(memory.Id, Assert.Single(newHits).Memory.Id);
        Assert.Empty(oldHits);

        // The vector was replaced too: the new text is an exact match, the old text no longer is.
        var byVector = await t.RecallAsync("Quarterly revenue grew by twelve percent", weights: new RetrievalWeights { Keyword = 0, Fuzzy = 0 });
        Assert.Equal(memory.Id, byVector[0].Memory.Id);
        Assert.Equal(1.0, byVector[0].Explanation!.VectorSimilarity!.Value, 3);
        var oldByVector = await t.RecallAsync("The cat sleeps on the sofa all afternoon", weights: new RetrievalWeights { Keyword = 0, Fuzzy = 0 });
        var oldSimilarity = oldByVector.Single(r => r.Memory.Id == memory.Id).Explanation!.VectorSimilarity!.Value;
        Assert.True(oldSimilarity < 0.5, $"old text still matches the re-embedded memory with similarity {oldSimilarity}");
    }

    [Fact]
    public async Task UpdateAsync_StepsChangeWithSameCount_UpdatesKeywordIndex()
    {
        await using var t = new TestEngine();
        var procedure = await t.Engine.RememberAsync(new NewMemory
        {
            Namespace = TestEngine.Ns,
            Content = "Release the mobile app",
            Kind = MemoryKind.Procedural,
            ProcedureName = "mobile release",
            Steps = ["bump the version", "upload to testflight"],
        }, Ct);

        await t.Engine.UpdateAsync(procedure.Id, new MemoryUpdate { Steps = ["bump the version", "submit to playstore"] }, cancellationToken: Ct);

        var keywordsOnly = new RetrievalWeights { Vector = 0, Fuzzy = 0 };
        Assert.Equal(procedure.Id, Assert.Single(await t.RecallAsync("playstore", weights: keywordsOnly)).Memory.Id);
        Assert.Empty(await t.RecallAsync("testflight", weights: keywordsOnly));
    }

    [Fact]
    public async Task UpdateAsync_ValidToBeforeValidFrom_IsRejected()
    {
        await using var t = new TestEngine();
        var memory = await t.RememberAsync("Office is closed for renovation", MemoryKind.Semantic, validFrom: TestEngine.Start.AddDays(1));
        var before = await t.SnapshotAsync();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(
            () => t.Engine.UpdateAsync(memory.Id, new MemoryUpdate { ValidTo = TestEngine.Start }, cancellationToken: Ct));

        Assert.Equal("validTo", ex.Field);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task ForgetAsync_RemovesFromGetListAndRecall_AndLeavesTombstoneWithLastVersion()
    {
        await using var t = new TestEngine();
        var keep = await t.RememberAsync("Bob plays the violin on weekends");
        var forget = await t.RememberAsync("The wifi password is hunter2");
        await t.Engine.UpdateAsync(forget.Id, new MemoryUpdate { Tags = ["secret"] }, cancellationToken: Ct);

        Assert.True(await t.Engine.ForgetAsync(forget.Id, expectedVersion: 2, cancellationToken: Ct));

        Assert.Null(await t.Engine.GetAsync(forget.Id, Ct));
        Assert.Equal([keep.Id], (await t.ListAllAsync()).Select(r => r.Id));
        Assert.DoesNotContain(await t.RecallAsync("wifi password hunter2"), r => r.Memory.Id == forget.Id);
        var last = (await t.AllChangesAsync())[^1];
        Assert.Equal(ChangeOperation.Deleted, last.Operation);
        Assert.Equal(forget.Id, last.EntityId);
        Assert.Equal(2, last.Version);
        Assert.Equal(t.Engine.LastSequence, last.Sequence);

        // And it stays gone for a new engine on the same store.
        await using var reopened = t.Reopen();
        Assert.Null(await reopened.GetAsync(forget.Id, Ct));
        Assert.DoesNotContain(await reopened.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "wifi password hunter2" }, Ct), r => r.Memory.Id == forget.Id);
    }

    [Fact]
    public async Task ForgetAsync_UnknownOrAlreadyForgotten_ReturnsFalseAndWritesNothing()
    {
        await using var t = new TestEngine();
        var memory = await t.RememberAsync("Temporary note");
        Assert.True(await t.Engine.ForgetAsync(memory.Id, cancellationToken: Ct));
        var before = await t.SnapshotAsync();

        Assert.False(await t.Engine.ForgetAsync(memory.Id, cancellationToken: Ct));
        Assert.False(await t.Engine.ForgetAsync("ffffffffffffffffffffffffffffffff", cancellationToken: Ct));

        (await t.SnapshotAsync()).AssertSameAs(before);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => t.Engine.UpdateAsync(memory.Id, new MemoryUpdate { Importance = 1 }, cancellationToken: Ct));
    }

    [Fact]
    public async Task ForgetAsync_StaleVersion_ThrowsConflictAndKeepsTheMemory()
    {
        await using var t = new TestEngine();
        var memory = await t.RememberAsync("Keep me");
        await t.Engine.UpdateAsync(memory.Id, new MemoryUpdate { Importance = 0.7 }, cancellationToken: Ct);

        var ex = await Assert.ThrowsAsync<VersionConflictException>(() => t.Engine.ForgetAsync(memory.Id, expectedVersion: 1, cancellationToken: Ct));

        Assert.Equal(1, ex.ExpectedVersion);
        Assert.Equal(2, ex.CurrentVersion);
        Assert.NotNull(await t.Engine.GetAsync(memory.Id, Ct));
    }

    [Fact]
    public async Task RememberManyAsync_ValidBatch_StoresAllInInputOrderWithConsecutiveSequences()
    {
        await using var t = new TestEngine();
        var inputs = Enumerable.Range(0, 5).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"Batch item number {i}" }).ToList();

        var stored = await t.Engine.RememberManyAsync(inputs, Ct);

        Assert.Equal(inputs.Select(i => i.Content), stored.Select(s => s.Content));
        Assert.Equal(5, stored.Select(s => s.Id).Distinct().Count());
        var changes = await t.AllChangesAsync();
        Assert.Equal([1L, 2, 3, 4, 5], changes.Select(c => c.Sequence));
        Assert.Equal(stored.Select(s => s.Id), changes.Select(c => c.EntityId));
        Assert.All(changes, c => Assert.Equal(ChangeOperation.Created, c.Operation));
    }

    [Theory]
    [InlineData(0, "content")]
    [InlineData(1, "content")]
    [InlineData(2, "namespace")]
    [InlineData(2, "importance")]
    [InlineData(1, "tags[1]")]
    public async Task RememberManyAsync_OneInvalidItem_StoresNothingAndNamesTheItemField(int badIndex, string field)
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Something already stored");
        var before = await t.SnapshotAsync();
        var items = Enumerable.Range(0, 3).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"Valid item {i}" }).ToList();
        items[badIndex] = field switch
        {
            "content" => items[badIndex] with { Content = "   " },
            "namespace" => items[badIndex] with { Namespace = "bad namespace" },
            "importance" => items[badIndex] with { Importance = double.NaN },
            _ => items[badIndex] with { Tags = ["ok", ""] },
        };

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RememberManyAsync(items, Ct));

        Assert.Equal($"items[{badIndex}].{field}", ex.Field);
        Assert.Equal(ex.Field, ex.ParamName);
        (await t.SnapshotAsync()).AssertSameAs(before);
    }

    [Fact]
    public async Task RememberManyAsync_SingleInvalidItem_StillNamesTheItem()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(
            () => t.Engine.RememberManyAsync([new NewMemory { Namespace = TestEngine.Ns, Content = "" }], Ct));

        Assert.Equal("items[0].content", ex.Field);
        Assert.Equal(0, t.Engine.LastSequence);
    }

    [Fact]
    public async Task RememberManyAsync_NullItem_IsNamed()
    {
        await using var t = new TestEngine();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(
            () => t.Engine.RememberManyAsync([new NewMemory { Namespace = TestEngine.Ns, Content = "fine" }, null!], Ct));

        Assert.Equal("items[1]", ex.Field);
        Assert.Empty(await t.ListAllAsync());
    }

    [Fact]
    public async Task RememberManyAsync_TooManyItems_IsRejected()
    {
        await using var t = new TestEngine(o => o.MaxBatchSize = 3);
        var items = Enumerable.Range(0, 4).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"item {i}" }).ToList();

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.RememberManyAsync(items, Ct));

        Assert.Equal("items", ex.Field);
        Assert.Empty(await t.ListAllAsync());
    }

    [Fact]
    public async Task ListAsync_PagingWithCursor_ReturnsEveryMemoryExactlyOnceNewestFirst()
    {
        await using var t = new TestEngine();
        var created = new List<MemoryRecord>();
        for (int i = 0; i < 23; i++)
        {
            // Several memories share a millisecond (the clock only moves every third write), as they do in a busy agent.
            if (i % 3 == 0)
            {
                t.Time.Advance(TimeSpan.FromMilliseconds(1));
            }

            created.Add(await t.RememberAsync($"Note number {i}"));
        }

        created.AddRange(await t.Engine.RememberManyAsync(
            Enumerable.Range(23, 7).Select(i => new NewMemory { Namespace = TestEngine.Ns, Content = $"Note number {i}" }).ToList(), Ct));

        var seen = new List<MemoryRecord>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await t.Engine.ListAsync(TestEngine.Ns, cursor: cursor, limit: 7, cancellationToken: Ct);
            Assert.InRange(page.Items.Count, 1, 7);
            seen.AddRange(page.Items);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(5, pages);
        Assert.Equal(created.Select(c => c.Id).Reverse(), seen.Select(s => s.Id));
    }

    [Fact]
    public async Task ListAsync_ExactMultipleOfPageSize_EndsWithoutAnEmptyPage()
    {
        await using var t = new TestEngine();
        for (int i = 0; i < 4; i++)
        {
            await t.RememberAsync($"Note {i}");
        }

        var first = await t.Engine.ListAsync(TestEngine.Ns, limit: 2, cancellationToken: Ct);
        var second = await t.Engine.ListAsync(TestEngine.Ns, cursor: first.NextCursor, limit: 2, cancellationToken: Ct);

        Assert.NotNull(first.NextCursor);
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task ListAsync_FilterOnKindAndTag_ReturnsOnlyMatches()
    {
        await using var t = new TestEngine();
        var fact = await t.RememberAsync("Paris is the capital of France", MemoryKind.Semantic, tags: ["geo"]);
        await t.RememberAsync("Visited Paris last summer", MemoryKind.Episodic, tags: ["geo"]);
        await t.RememberAsync("Berlin is the capital of Germany", MemoryKind.Semantic, tags: ["other"]);

        var listed = await t.ListAllAsync(filter: new MemoryFilter { Kinds = [MemoryKind.Semantic], Tags = ["GEO"] });

        Assert.Equal([fact.Id], listed.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_UnknownNamespace_IsEmpty()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Something");

        var page = await t.Engine.ListAsync("nobody-here", cancellationToken: Ct);

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("!!not-base64!!")]
    [InlineData("")]
    [InlineData("djI6YWJj")] // base64url of "v2:abc": well-formed, but not a cursor this engine issued
    public async Task ListAsync_GarbageCursor_IsRejectedNamingCursor(string cursor)
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Something");

        var ex = await Assert.ThrowsAsync<MemoryValidationException>(() => t.Engine.ListAsync(TestEngine.Ns, cursor: cursor, cancellationToken: Ct));

        Assert.Equal("cursor", ex.Field);
    }

    [Fact]
    public async Task ListNamespacesAsync_ListsEveryNamespaceWrittenTo()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("one", ns: "agent-b");
        await t.RememberAsync("two", ns: "agent-a");
        await t.RememberAsync("three", ns: "agent-a");

        Assert.Equal(["agent-a", "agent-b"], await t.Engine.ListNamespacesAsync(Ct));
        await using var reopened = t.Reopen();
        Assert.Equal(["agent-a", "agent-b"], await reopened.ListNamespacesAsync(Ct));
    }

    [Fact]
    public async Task UnloadNamespaceAsync_ReloadsFromTheStoreWithAccessStatisticsAndLinks()
    {
        await using var t = new TestEngine();
        var a = await t.RememberAsync("The staging database runs on port 5433");
        var b = await t.RememberAsync("Staging credentials are in the vault");
        await t.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = b.Id }, Ct);
        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "staging database port", Limit = 1 }, Ct);

        await t.Engine.UnloadNamespaceAsync(TestEngine.Ns, Ct);

        Assert.Equal(1, (await t.Engine.GetRequiredAsync(a.Id, Ct)).AccessCount);
        Assert.Equal(a.Id, (await t.RecallAsync("staging database port"))[0].Memory.Id);
        Assert.Single(await t.Engine.GetLinksAsync(b.Id, cancellationToken: Ct));
        Assert.Equal(2, (await t.ListAllAsync()).Count);
    }

    [Fact]
    public async Task DisposedEngine_RejectsFurtherUse()
    {
        var t = new TestEngine();
        await t.RememberAsync("before dispose");
        await t.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => t.RememberAsync("after dispose"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => t.RecallAsync("dispose"));
        await t.DisposeAsync(); // twice is fine
    }

    [Fact]
    public async Task GetStatsAsync_CountsMemoriesByKindAndLinks()
    {
        await using var t = new TestEngine();
        var a = await t.RememberAsync("fact one", MemoryKind.Semantic);
        var b = await t.RememberAsync("event one");
        await t.RememberAsync("event two");
        await t.RememberAsync("expired fact", MemoryKind.Semantic, validTo: TestEngine.Start.AddDays(1));
        await t.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = b.Id }, Ct);
        t.Time.Advance(TimeSpan.FromDays(2));

        var stats = await t.Engine.GetStatsAsync(TestEngine.Ns, Ct);

        Assert.Equal(4, stats.Memories);
        Assert.Equal(2, stats.ByKind[MemoryKind.Semantic]);
        Assert.Equal(2, stats.ByKind[MemoryKind.Episodic]);
        Assert.Equal(1, stats.Links);
        Assert.Equal(1, stats.NoLongerValid);
        Assert.Equal(5, stats.LastSequence);
        Assert.Equal("kmp-offline-v1", stats.EmbeddingModel);
        Assert.Equal(384, stats.Dimensions);
    }
}
