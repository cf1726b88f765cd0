namespace KernelMemoryPlus.Tests.Engine;

/// <summary>Owners, grants, private memories and group grants, enforced by the engine whatever the door.</summary>
public sealed class AccessControlTests
{
    private static readonly MemoryPrincipal Alice = new("alice");
    private static readonly MemoryPrincipal Bob = new("bob");
    private static readonly MemoryPrincipal Carol = new("carol", PrincipalKind.User, ["team"]);
    private static readonly MemoryPrincipal Root = new("root", PrincipalKind.Admin);

    private static CancellationToken Ct => TestEngine.Ct;

    private static async Task<T> As<T>(MemoryPrincipal? principal, Func<Task<T>> action)
    {
        using (MemoryPrincipal.Use(principal))
        {
            return await action();
        }
    }

    private static async Task As(MemoryPrincipal? principal, Func<Task> action)
    {
        using (MemoryPrincipal.Use(principal))
        {
            await action();
        }
    }

    private static Task<MemoryRecord> Remember(TestEngine t, MemoryPrincipal p, string ns, string content, bool isPrivate = false) =>
        As(p, () => t.Engine.RememberAsync(new NewMemory { Namespace = ns, Content = content, Private = isPrivate, Author = "someone-else" }, Ct));

    [Fact]
    public async Task FirstWriterOwnsTheNamespace_OthersNeitherReadNorWrite()
    {
        await using var t = new TestEngine();
        var secret = await Remember(t, Alice, "alice-notes", "the launch code is tulip");

        Assert.Equal("alice", secret.Author); // the client's claim of authorship does not count
        Assert.Equal("alice", (await As(Alice, () => t.Engine.GetNamespaceSettingsAsync("alice-notes", Ct))).Owner);
        Assert.Null(await As(Bob, () => t.Engine.GetAsync(secret.Id, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "alice-notes", Text = "launch code" }, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.ListAsync("alice-notes", cancellationToken: Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RememberAsync(new NewMemory { Namespace = "alice-notes", Content = "bob was here" }, Ct)));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => As(Bob, () => t.Engine.UpdateAsync(secret.Id, new MemoryUpdate { Content = "changed" }, cancellationToken: Ct)));
        Assert.False(await As(Bob, () => t.Engine.ForgetAsync(secret.Id, cancellationToken: Ct)));
        Assert.DoesNotContain("alice-notes", await As(Bob, () => t.Engine.ListNamespacesAsync(Ct)));
        Assert.Contains("alice-notes", await As(Alice, () => t.Engine.ListNamespacesAsync(Ct)));

        // Nothing leaked into the store through the refused writes, and an admin sees everything.
        var all = await As(Root, () => t.Engine.ListAsync("alice-notes", cancellationToken: Ct));
        Assert.Equal([secret.Id], all.Items.Select(m => m.Id));
        Assert.Equal(1, (await t.Engine.GetStatsAsync("alice-notes", Ct)).Memories);
    }

    [Fact]
    public async Task AnUnclaimedNamespaceReadsEmpty_ALegacyOwnerlessOneIsForAdminsOnly()
    {
        await using var t = new TestEngine();
        Assert.Empty(await As(Bob, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "nobody-yet", Text = "anything" }, Ct)));
        Assert.Empty((await As(Bob, () => t.Engine.ListAsync("nobody-yet", cancellationToken: Ct))).Items);

        // Written by the embedding application (no principal): it exists but has no owner.
        var legacy = await t.Engine.RememberAsync(new NewMemory { Namespace = "legacy", Content = "old data" }, Ct);
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.ListAsync("legacy", cancellationToken: Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RememberAsync(new NewMemory { Namespace = "legacy", Content = "claim it" }, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.SetOwnerAsync("legacy", "bob", Ct)));

        await As(Root, () => t.Engine.SetOwnerAsync("legacy", "bob", Ct));
        Assert.Equal([legacy.Id], (await As(Bob, () => t.Engine.ListAsync("legacy", cancellationToken: Ct))).Items.Select(m => m.Id));
    }

    [Fact]
    public async Task Grants_ReadThenWrite_RevokedAndExpiredOnesStopCounting()
    {
        await using var t = new TestEngine();
        var note = await Remember(t, Alice, "shared", "quarterly numbers look good");

        var read = await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "shared", Grantee = "bob", Permission = MemoryPermission.Read }, Ct));
        Assert.Equal(note.Id, (await As(Bob, () => t.Engine.GetAsync(note.Id, Ct)))!.Id);
        Assert.Single(await As(Bob, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "shared", Text = "quarterly numbers" }, Ct)));
        var denied = await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.UpdateAsync(note.Id, new MemoryUpdate { Content = "bad numbers" }, cancellationToken: Ct)));
        Assert.Contains("read", denied.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RememberAsync(new NewMemory { Namespace = "shared", Content = "bob's note" }, Ct)));

        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "shared", Grantee = "bob", Permission = MemoryPermission.Write, ExpiresAt = TestEngine.Start.AddHours(1) }, Ct));
        var bobs = await Remember(t, Bob, "shared", "bob's note");
        Assert.Equal("bob", bobs.Author);
        Assert.Equal(2, (await As(Bob, () => t.Engine.UpdateAsync(note.Id, new MemoryUpdate { Importance = 0.9 }, cancellationToken: Ct))).Version);

        // The write grant expires; the read grant still holds until it is revoked.
        t.Time.Advance(TimeSpan.FromHours(2));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RememberAsync(new NewMemory { Namespace = "shared", Content = "too late" }, Ct)));
        Assert.NotNull(await As(Bob, () => t.Engine.GetAsync(note.Id, Ct)));
        Assert.True(await As(Alice, () => t.Engine.RevokeAsync(read.Id, Ct)));
        Assert.Null(await As(Bob, () => t.Engine.GetAsync(note.Id, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "shared", Text = "quarterly" }, Ct)));
    }

    [Fact]
    public async Task Grants_SurviveARestart()
    {
        await using var t = new TestEngine();
        var note = await Remember(t, Alice, "kept", "grants are stored");
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "kept", Grantee = "team", IsGroup = true }, Ct));

        await using var reopened = t.Reopen();
        Assert.NotNull(await As(Carol, () => reopened.GetAsync(note.Id, Ct)));
        Assert.Null(await As(Bob, () => reopened.GetAsync(note.Id, Ct)));
        Assert.Equal("alice", (await As(Alice, () => reopened.GetNamespaceSettingsAsync("kept", Ct))).Owner);
    }

    [Fact]
    public async Task AGroupGrantCountsForMembersOnly_APrincipalNamedLikeTheGroupGetsNothing()
    {
        await using var t = new TestEngine();
        var note = await Remember(t, Alice, "team-space", "standup at nine");
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "team-space", Grantee = "team", IsGroup = true, Permission = MemoryPermission.Write }, Ct));

        Assert.NotNull(await As(Carol, () => t.Engine.GetAsync(note.Id, Ct)));
        await Remember(t, Carol, "team-space", "carol agrees");
        Assert.Null(await As(new MemoryPrincipal("team"), () => t.Engine.GetAsync(note.Id, Ct)));
    }

    [Fact]
    public async Task PrivateMemories_HiddenFromGranteesOfTheNamespace_VisibleToAuthorOwnerAndMemoryGrantees()
    {
        await using var t = new TestEngine();
        await Remember(t, Alice, "project", "public plan: ship in May");
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "project", Grantee = "bob", Permission = MemoryPermission.Write }, Ct));
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "project", Grantee = "carol", Permission = MemoryPermission.Read }, Ct));
        var bobsPrivate = await Remember(t, Bob, "project", "private worry: the May plan slips", isPrivate: true);
        Assert.True(bobsPrivate.Private);

        // Carol reads the namespace but not Bob's private memory: not by id, list, recall or the change feed.
        Assert.Null(await As(Carol, () => t.Engine.GetAsync(bobsPrivate.Id, Ct)));
        Assert.DoesNotContain(bobsPrivate.Id, (await As(Carol, () => t.Engine.ListAsync("project", cancellationToken: Ct))).Items.Select(m => m.Id));
        Assert.DoesNotContain(bobsPrivate.Id, (await As(Carol, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "project", Text = "private worry May plan slips" }, Ct))).Select(r => r.Memory.Id));
        Assert.DoesNotContain(bobsPrivate.Id, (await As(Carol, () => t.Engine.GetChangesAsync("project", 0, 100, Ct))).Changes.Select(c => c.EntityId));

        // Bob (author) and Alice (owner) see it; a grant on the memory itself shows it to Carol.
        Assert.NotNull(await As(Bob, () => t.Engine.GetAsync(bobsPrivate.Id, Ct)));
        Assert.NotNull(await As(Alice, () => t.Engine.GetAsync(bobsPrivate.Id, Ct)));
        await As(Bob, () => t.Engine.GrantAsync(new NewGrant { Namespace = "project", MemoryId = bobsPrivate.Id, Grantee = "carol" }, Ct));
        Assert.NotNull(await As(Carol, () => t.Engine.GetAsync(bobsPrivate.Id, Ct)));
        Assert.Contains(bobsPrivate.Id, (await As(Carol, () => t.Engine.GetChangesAsync("project", 0, 100, Ct))).Changes.Select(c => c.EntityId));

        // Only the author (or a namespace admin) makes it shared again.
        var other = await Remember(t, Alice, "project", "alice's own private note", isPrivate: true);
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => As(Bob, () => t.Engine.UpdateAsync(other.Id, new MemoryUpdate { Private = false }, cancellationToken: Ct)));
        Assert.False((await As(Bob, () => t.Engine.UpdateAsync(bobsPrivate.Id, new MemoryUpdate { Private = false }, cancellationToken: Ct))).Private);
    }

    [Fact]
    public async Task AGrantOnOneMemory_ShowsThatMemoryOnly()
    {
        await using var t = new TestEngine();
        var shown = await Remember(t, Alice, "diary", "the recipe uses saffron");
        var hidden = await Remember(t, Alice, "diary", "the recipe secret is vanilla");
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "diary", MemoryId = shown.Id, Grantee = "bob" }, Ct));

        Assert.Equal([shown.Id], (await As(Bob, () => t.Engine.ListAsync("diary", cancellationToken: Ct))).Items.Select(m => m.Id));
        Assert.Equal([shown.Id], (await As(Bob, () => t.Engine.RecallAsync(new RecallQuery { Namespace = "diary", Text = "recipe" }, Ct))).Select(r => r.Memory.Id));
        Assert.Null(await As(Bob, () => t.Engine.GetAsync(hidden.Id, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.UpdateAsync(shown.Id, new MemoryUpdate { Content = "changed" }, cancellationToken: Ct)));
    }

    [Fact]
    public async Task Sharing_NeedsShare_AndOnlyAdminsGiveAdmin_RevokingFollowsTheSameRules()
    {
        await using var t = new TestEngine();
        await Remember(t, Alice, "crew", "crew roster");
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.GrantAsync(new NewGrant { Namespace = "crew", Grantee = "bob", Permission = MemoryPermission.Admin }, Ct)));

        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "crew", Grantee = "bob", Permission = MemoryPermission.Share }, Ct));
        var carols = await As(Bob, () => t.Engine.GrantAsync(new NewGrant { Namespace = "crew", Grantee = "carol", Permission = MemoryPermission.Write }, Ct));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.GrantAsync(new NewGrant { Namespace = "crew", Grantee = "carol", Permission = MemoryPermission.Admin }, Ct)));
        var admin = await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "crew", Grantee = "dave", Permission = MemoryPermission.Admin }, Ct));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.RevokeAsync(admin.Id, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Carol, () => t.Engine.SetConflictPolicyAsync("crew", ConflictPolicy.LastWriterWins, cancellationToken: Ct)));

        // Carol sees her own grant, Bob (share) sees them all, an outsider none.
        Assert.Equal([carols.Id], (await As(Carol, () => t.Engine.ListGrantsAsync(cancellationToken: Ct))).Select(g => g.Id));
        Assert.Equal(3, (await As(Bob, () => t.Engine.ListGrantsAsync("crew", Ct))).Count);
        Assert.Empty(await As(new MemoryPrincipal("eve"), () => t.Engine.ListGrantsAsync("crew", Ct)));
        Assert.False(await As(new MemoryPrincipal("eve"), () => t.Engine.RevokeAsync(carols.Id, Ct)));

        Assert.True(await As(Bob, () => t.Engine.RevokeAsync(carols.Id, Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Carol, () => t.Engine.ListAsync("crew", cancellationToken: Ct)));
    }

    [Fact]
    public async Task ChangeFeed_ShowsOnlyReadableNamespaces_AndAWatcherStopsReceivingWhenItsGrantIsRevoked()
    {
        await using var t = new TestEngine();
        await Remember(t, Alice, "open", "first");
        await Remember(t, Alice, "closed", "never for bob");
        var grant = await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "open", Grantee = "bob" }, Ct));

        var bobsFeed = await As(Bob, () => t.Engine.GetChangesAsync(null, 0, 100, Ct));
        Assert.All(bobsFeed.Changes, c => Assert.Equal("open", c.Namespace));
        Assert.Single(bobsFeed.Changes);
        Assert.False(bobsFeed.HasMore);
        Assert.Equal(t.Engine.LastSequence, bobsFeed.NextSince); // past what it may not see

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var received = new List<ChangeEvent>();
        var firstLive = new TaskCompletionSource();
        Task watch;
        using (MemoryPrincipal.Use(Bob))
        {
            watch = Task.Run(async () =>
            {
                try
                {
                    await foreach (var change in t.Engine.WatchAsync(null, t.Engine.LastSequence, cancellationToken: cancel.Token))
                    {
                        lock (received)
                        {
                            received.Add(change);
                        }

                        firstLive.TrySetResult();
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, Ct);
        }

        // Retry the first write until the watcher is registered and sees it.
        while (!firstLive.Task.IsCompleted)
        {
            await Remember(t, Alice, "open", "live one");
            await Remember(t, Alice, "closed", "live secret");
            await Task.WhenAny(firstLive.Task, Task.Delay(50, Ct));
        }

        await As(Alice, () => t.Engine.RevokeAsync(grant.Id, Ct));
        var afterRevoke = await Remember(t, Alice, "open", "after revoke");
        var marker = await As(Root, () => t.Engine.GrantAsync(new NewGrant { Namespace = "closed", Grantee = "bob" }, Ct));
        var visibleAgain = await Remember(t, Alice, "closed", "now shared");
        while (true)
        {
            lock (received)
            {
                if (received.Any(c => c.EntityId == visibleAgain.Id))
                {
                    break;
                }
            }

            await Task.Delay(20, Ct);
        }

        await cancel.CancelAsync();
        await watch;
        Assert.NotNull(marker);
        // Checked when each change is delivered, with the grants as they are then: nothing of "open" after the revoke.
        Assert.DoesNotContain(received, c => c.EntityId == afterRevoke.Id);
        Assert.Contains(received, c => c.Namespace == "open");
    }

    [Fact]
    public async Task RequirePrincipal_RefusesCallsWithoutOne()
    {
        await using var t = new TestEngine(o => o.RequirePrincipal = true);
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => t.Engine.RememberAsync(new NewMemory { Namespace = "x", Content = "anonymous" }, Ct));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => t.Engine.RecallAsync(new RecallQuery { Namespace = "x", Text = "anonymous" }, Ct));
        var stored = await Remember(t, Alice, "x", "with a principal");
        Assert.Equal("alice", stored.Author);
    }

    [Fact]
    public async Task AdminOnlyOperations_AreRefusedToAgents()
    {
        await using var t = new TestEngine();
        await Remember(t, Alice, "mine", "something");
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Alice, () => t.Engine.CompactAsync(Ct)));
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Alice, () => t.Engine.UnloadNamespaceAsync("mine", Ct)));
        await As(Root, () => t.Engine.UnloadNamespaceAsync("mine", Ct));
    }

    [Fact]
    public async Task Links_NeedWriteOnTheSource_AndHideEndsTheCallerMayNotRead()
    {
        await using var t = new TestEngine();
        var a = await Remember(t, Alice, "graph", "node a");
        var secret = await Remember(t, Alice, "graph", "secret node", isPrivate: true);
        await As(Alice, () => t.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = secret.Id, Type = "related" }, Ct));
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "graph", Grantee = "bob" }, Ct));

        Assert.Empty(await As(Bob, () => t.Engine.GetLinksAsync(a.Id, cancellationToken: Ct)));
        Assert.Empty(await As(Bob, () => t.Engine.ExploreAsync(a.Id, cancellationToken: Ct)));
        Assert.Single(await As(Alice, () => t.Engine.GetLinksAsync(a.Id, cancellationToken: Ct)));
        var b = await Remember(t, Alice, "graph", "node b");
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Engine.LinkAsync(new NewLink { FromId = a.Id, ToId = b.Id }, Ct)));
        await Assert.ThrowsAsync<MemoryNotFoundException>(() => As(Bob, () => t.Engine.LinkAsync(new NewLink { FromId = b.Id, ToId = secret.Id }, Ct)));
    }

    [Fact]
    public async Task TypedFacades_FollowTheSameRules()
    {
        await using var t = new TestEngine();
        using (MemoryPrincipal.Use(Alice))
        {
            await t.Semantic.UpsertEntitiesAsync("kg", [new NewEntity("Ada", "person", ["wrote the first program"])], cancellationToken: Ct);
            await t.Semantic.UpsertEntitiesAsync("kg", [new NewEntity("Hidden", "person", ["private"])], cancellationToken: Ct);
        }

        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Semantic.GetEntitiesAsync("kg", null, cancellationToken: Ct)));
        await As(Alice, () => t.Engine.GrantAsync(new NewGrant { Namespace = "kg", Grantee = "bob" }, Ct));
        var seen = await As(Bob, () => t.Semantic.GetEntitiesAsync("kg", null, cancellationToken: Ct));
        Assert.Equal(2, seen.Count);
        await Assert.ThrowsAsync<MemoryAccessDeniedException>(() => As(Bob, () => t.Semantic.UpsertEntitiesAsync("kg", [new NewEntity("Mallory", "person", ["intruder"])], cancellationToken: Ct)));
    }
}
