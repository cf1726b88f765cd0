namespace KernelMemoryPlus.Tests.Engine;

public sealed class RecallTests
{
    private static readonly RetrievalWeights KeywordsOnly = new() { Vector = 0 };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<TestEngine> WithTopicsAsync()
    {
        var t = new TestEngine();
        await t.RememberAsync("The user prefers dark mode in the editor");
        await t.RememberAsync("Bob plays the violin on weekends");
        await t.RememberAsync("The quarterly budget spreadsheet is on the shared drive");
        await t.RememberAsync("Remember to receive the package at the front desk");
        await t.RememberAsync("The dog barked loudly at the mailman");
        await t.RememberAsync("Dentist appointment moved to Thursday afternoon");
        return t;
    }

    [Fact]
    public async Task RecallAsync_KeywordOverlap_FindsTheMatchingMemoryFirst()
    {
        await using var t = await WithTopicsAsync();

        var results = await t.RecallAsync("does the user like dark mode in the editor?");

        Assert.Equal("The user prefers dark mode in the editor", results[0].Memory.Content);
        Assert.NotNull(results[0].Explanation!.KeywordRank);
        Assert.Equal(1, results[0].Explanation!.VectorRank);
    }

    [Fact]
    public async Task RecallAsync_InflectedWords_MatchTheirStems()
    {
        await using var t = await WithTopicsAsync();

        var results = await t.RecallAsync("violins played", weights: KeywordsOnly);

        Assert.Equal("Bob plays the violin on weekends", Assert.Single(results).Memory.Content);
    }

    [Fact]
    public async Task RecallAsync_Typos_AreToleratedAndExplained()
    {
        await using var t = await WithTopicsAsync();

        var results = await t.RecallAsync("recieve the pacakge");

        var top = results[0];
        Assert.Equal("Remember to receive the package at the front desk", top.Memory.Content);
        Assert.Equal(1, top.Explanation!.FuzzyRank);
        Assert.Contains("recieve→receive", top.Explanation.FuzzyMatches);
        Assert.Contains("pacakge→package", top.Explanation.FuzzyMatches);

        // Exact keywords alone do not find it: the typo tolerance is what does.
        Assert.Empty(await t.RecallAsync("recieve the pacakge", weights: new RetrievalWeights { Vector = 0, Fuzzy = 0 }));

        // A typo that changes how the word stems ("nightly" stems to "night", "nighlty" does not) is still found,
        // because typo tolerance compares words as written.
        var build = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "The nightly build broke on Tuesday" }, TestContext.Current.CancellationToken);
        var typo = await t.RecallAsync("nighlty", weights: new RetrievalWeights { Vector = 0, Keyword = 0 });
        Assert.Equal(build.Id, typo[0].Memory.Id);
        Assert.Contains("nighlty→nightly", typo[0].Explanation!.FuzzyMatches);
        Assert.Equal(top.Memory.Id, Assert.Single(await t.RecallAsync("recieve the pacakge", weights: KeywordsOnly)).Memory.Id);
    }

    [Fact]
    public async Task RecallAsync_Results_AreScoredBetweenZeroAndOneSortedAndExplained()
    {
        await using var t = await WithTopicsAsync();

        var results = await t.RecallAsync("the package at the front desk", limit: 6);

        Assert.Equal(6, results.Count);
        Assert.All(results, r =>
        {
            Assert.InRange(r.Score, 0, 1);
            var e = Assert.IsType<ScoreExplanation>(r.Explanation);
            Assert.InRange(e.Relevance, 0, 1);
            Assert.InRange(e.Recency, 0, 1);
            Assert.InRange(e.Importance, 0, 1);
            Assert.InRange(e.Frequency, 0, 1);
            Assert.NotNull(e.VectorRank);
            Assert.False(string.IsNullOrWhiteSpace(e.ToString()));
        });
        Assert.Equal(results.Select(r => r.Score).OrderDescending(), results.Select(r => r.Score));
        Assert.Equal(Enumerable.Range(1, 6), results.Select(r => r.Explanation!.VectorRank!.Value).Order());
        Assert.Equal(1, results[0].Explanation!.KeywordRank);
        Assert.Equal(1.0, results[0].Explanation!.Relevance, 6);
    }

    [Fact]
    public async Task RecallAsync_ExplainFalse_OmitsExplanations()
    {
        await using var t = await WithTopicsAsync();

        var results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "dark mode", Explain = false }, Ct);

        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Null(r.Explanation));
    }

    [Fact]
    public async Task RecallAsync_Limit_CapsTheResults()
    {
        await using var t = await WithTopicsAsync();

        Assert.Equal(2, (await t.RecallAsync("the", limit: 2)).Count);
    }

    [Fact]
    public async Task RecallAsync_MinScore_DropsWeakerResults()
    {
        await using var t = await WithTopicsAsync();
        var all = await t.RecallAsync("the package at the front desk", limit: 6);
        double cut = (all[0].Score + all[^1].Score) / 2;

        var strong = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "the package at the front desk", MinScore = cut, TrackAccess = false }, Ct);

        Assert.NotEmpty(strong);
        Assert.True(strong.Count < all.Count);
        Assert.All(strong, r => Assert.True(r.Score >= cut));
        Assert.Equal(all.Where(r => r.Score >= cut).Select(r => r.Memory.Id), strong.Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_UnknownNamespace_ReturnsNothingAndNamespacesDoNotLeak()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Team offsite is in Lisbon", ns: "team-a");

        Assert.Empty(await t.RecallAsync("offsite Lisbon", ns: "team-b"));
        Assert.Single(await t.RecallAsync("offsite Lisbon", ns: "team-a"));
    }

    [Fact]
    public async Task RecallAsync_KindFilter_ReturnsOnlyThatKind()
    {
        await using var t = new TestEngine();
        var fact = await t.RememberAsync("Project Falcon launches in May", MemoryKind.Semantic);
        await t.RememberAsync("Talked about Project Falcon launch with Dana");
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Launch Project Falcon", Kind = MemoryKind.Procedural, ProcedureName = "falcon launch", Steps = ["press the button"] }, Ct);

        var results = await t.RecallAsync("Project Falcon launch", filter: new MemoryFilter { Kinds = [MemoryKind.Semantic] });

        Assert.Equal([fact.Id], results.Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_TagFilters_AllTagsAndAnyTag()
    {
        await using var t = new TestEngine();
        var both = await t.RememberAsync("Standup notes: release is blocked", tags: ["work", "release"]);
        var work = await t.RememberAsync("Standup notes: hiring update", tags: ["Work"]);
        var personal = await t.RememberAsync("Standup notes from the running club", tags: ["personal"]);
        await t.RememberAsync("Standup notes without tags");

        var all = await t.RecallAsync("standup notes", filter: new MemoryFilter { Tags = ["work", "RELEASE"] });
        var any = await t.RecallAsync("standup notes", filter: new MemoryFilter { AnyTags = ["release", "personal"] });
        var workOnly = await t.RecallAsync("standup notes", filter: new MemoryFilter { Tags = ["work"] });

        Assert.Equal([both.Id], all.Select(r => r.Memory.Id));
        Assert.Equal(new[] { both.Id, personal.Id }.Order(), any.Select(r => r.Memory.Id).Order());
        Assert.Equal(new[] { both.Id, work.Id }.Order(), workOnly.Select(r => r.Memory.Id).Order());
    }

    [Fact]
    public async Task RecallAsync_MetadataFilter_RequiresEveryPairExactly()
    {
        await using var t = new TestEngine();
        var match = await t.RememberAsync("Customer call about invoices", metadata: new Dictionary<string, string> { ["customer"] = "acme", ["channel"] = "phone" });
        await t.RememberAsync("Customer call about invoices", metadata: new Dictionary<string, string> { ["customer"] = "acme", ["channel"] = "email" });
        await t.RememberAsync("Customer call about invoices", metadata: new Dictionary<string, string> { ["customer"] = "ACME", ["channel"] = "phone" });
        await t.RememberAsync("Customer call about invoices");

        var results = await t.RecallAsync("customer call", filter: new MemoryFilter { Metadata = new Dictionary<string, string> { ["customer"] = "acme", ["channel"] = "phone" } });

        Assert.Equal([match.Id], results.Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_SessionFilter_ReturnsOnlyThatSession()
    {
        await using var t = new TestEngine();
        var s1 = await t.RememberAsync("We discussed the roadmap", sessionId: "s1");
        await t.RememberAsync("We discussed the roadmap again", sessionId: "s2");
        await t.RememberAsync("Roadmap discussion without a session");

        var results = await t.RecallAsync("roadmap", filter: new MemoryFilter { SessionId = "s1" });

        Assert.Equal([s1.Id], results.Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_TimeRange_IncludesFromExcludesTo()
    {
        await using var t = new TestEngine();
        var early = await t.RememberAsync("Status meeting", occurredAt: TestEngine.Start.AddDays(-3));
        var atFrom = await t.RememberAsync("Status meeting", occurredAt: TestEngine.Start.AddDays(-2));
        var inside = await t.RememberAsync("Status meeting", occurredAt: TestEngine.Start.AddDays(-1.5));
        var atTo = await t.RememberAsync("Status meeting", occurredAt: TestEngine.Start.AddDays(-1));

        var results = await t.RecallAsync("status meeting", filter: new MemoryFilter { From = TestEngine.Start.AddDays(-2), To = TestEngine.Start.AddDays(-1) });

        Assert.Equal(new[] { atFrom.Id, inside.Id }.Order(), results.Select(r => r.Memory.Id).Order());
        Assert.DoesNotContain(results, r => r.Memory.Id == early.Id || r.Memory.Id == atTo.Id);
    }

    [Fact]
    public async Task RecallAsync_ExpiredFact_IsNotReturned()
    {
        await using var t = new TestEngine();
        var expired = await t.RememberAsync("The office wifi password is sunflower", MemoryKind.Semantic, validTo: TestEngine.Start.AddDays(1));
        var current = await t.RememberAsync("The guest wifi password is daisy", MemoryKind.Semantic);
        t.Time.Advance(TimeSpan.FromDays(2));

        var now = await t.RecallAsync("wifi password");
        var history = await t.RecallAsync("wifi password", filter: new MemoryFilter { IncludeExpired = true });
        var then = await t.RecallAsync("wifi password", filter: new MemoryFilter { ValidAt = TestEngine.Start.AddHours(1) });

        Assert.Equal([current.Id], now.Select(r => r.Memory.Id));
        Assert.Equal(2, history.Count);
        Assert.Contains(then, r => r.Memory.Id == expired.Id);
    }

    [Fact]
    public async Task RecallAsync_NotYetValid_IsNotReturnedUntilItsTime()
    {
        await using var t = new TestEngine();
        var future = await t.RememberAsync("The new office opens on Monday", MemoryKind.Semantic, validFrom: TestEngine.Start.AddDays(3));

        Assert.Empty(await t.RecallAsync("new office"));
        t.Time.Advance(TimeSpan.FromDays(3));
        Assert.Equal([future.Id], (await t.RecallAsync("new office")).Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_IdenticalContent_GetsEqualRelevance()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Lunch with the design team on Friday");
        await t.RememberAsync("Lunch with the design team on Friday");
        await t.RememberAsync("Coffee with the finance team");

        var results = await t.RecallAsync("lunch design team");

        var twins = results.Where(r => r.Memory.Content.StartsWith("Lunch", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, twins.Count);
        Assert.Equal(twins[0].Explanation!.Relevance, twins[1].Explanation!.Relevance);
        Assert.Equal(twins[0].Score, twins[1].Score);
    }

    [Fact]
    public async Task RecallAsync_RelevanceTies_AreBrokenByImportance()
    {
        await using var t = new TestEngine();
        var minor = await t.RememberAsync("Lunch with the design team on Friday", importance: 0.1);
        var major = await t.RememberAsync("Lunch with the design team on Friday", importance: 0.9);

        var results = await t.RecallAsync("lunch design team");

        Assert.Equal([major.Id, minor.Id], results.Select(r => r.Memory.Id));
        Assert.Equal(0.9, results[0].Explanation!.Importance);
    }

    [Fact]
    public async Task RecallAsync_RelevanceTies_AreBrokenByRecency()
    {
        await using var t = new TestEngine();
        var old = await t.RememberAsync("Lunch with the design team on Friday");
        t.Time.Advance(TimeSpan.FromDays(60));
        var recent = await t.RememberAsync("Lunch with the design team on Friday");

        var results = await t.RecallAsync("lunch design team");

        Assert.Equal([recent.Id, old.Id], results.Select(r => r.Memory.Id));
        Assert.Equal(1.0, results[0].Explanation!.Recency, 6);
        Assert.Equal(0.25, results[1].Explanation!.Recency, 6);
    }

    [Fact]
    public async Task RecallAsync_Weights_DecideBetweenImportanceAndRecency()
    {
        await using var t = new TestEngine();
        var oldButImportant = await t.RememberAsync("Lunch with the design team on Friday", importance: 0.9);
        t.Time.Advance(TimeSpan.FromDays(90));
        var recentButMinor = await t.RememberAsync("Lunch with the design team on Friday", importance: 0.1);

        var byRecency = await t.RecallAsync("lunch design team", weights: new RetrievalWeights { Recency = 0.5, Importance = 0 });
        var byImportance = await t.RecallAsync("lunch design team", weights: new RetrievalWeights { Recency = 0, Importance = 0.5 });

        Assert.Equal([recentButMinor.Id, oldButImportant.Id], byRecency.Select(r => r.Memory.Id));
        Assert.Equal([oldButImportant.Id, recentButMinor.Id], byImportance.Select(r => r.Memory.Id));
    }

    [Fact]
    public async Task RecallAsync_RecencyHalfLife_ScalesTheRecencyComponent()
    {
        await using var t = new TestEngine();
        await t.RememberAsync("Sprint planning notes");
        t.Time.Advance(TimeSpan.FromDays(7));

        var results = await t.RecallAsync("sprint planning", weights: new RetrievalWeights { RecencyHalfLife = TimeSpan.FromDays(7) });

        Assert.Equal(0.5, results[0].Explanation!.Recency, 6);
    }

    [Fact]
    public async Task RecallAsync_TrackAccess_CountsAccessesOnlyWhenAsked()
    {
        await using var t = await WithTopicsAsync();
        var target = (await t.RecallAsync("violin"))[0].Memory;
        Assert.Equal(0, target.AccessCount);

        t.Time.Advance(TimeSpan.FromMinutes(1));
        var first = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "violin", Limit = 1 }, Ct);
        var second = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "violin", Limit = 1 }, Ct);
        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "violin", Limit = 1, TrackAccess = false }, Ct);

        Assert.Equal(target.Id, first[0].Memory.Id);
        Assert.Equal(1, first[0].Memory.AccessCount);
        Assert.Equal(2, second[0].Memory.AccessCount);
        var read = await t.Engine.GetRequiredAsync(target.Id, Ct);
        Assert.Equal(2, read.AccessCount);
        Assert.Equal(TestEngine.Start.AddMinutes(1), read.LastAccessedAt);
        Assert.Equal(target.Version, read.Version);

        // Memories not returned were not touched.
        Assert.All(await t.ListAllAsync(), r => Assert.Equal(r.Id == target.Id ? 2 : 0, r.AccessCount));
    }

    [Fact]
    public async Task RecallAsync_AccessCounts_SurviveFlushAndReopen()
    {
        await using var t = await WithTopicsAsync();
        var id = (await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "violin", Limit = 1 }, Ct))[0].Memory.Id;
        await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "violin", Limit = 1 }, Ct);
        var sequence = t.Engine.LastSequence;

        await t.Engine.FlushAsync(Ct);
        await using var reopened = t.Reopen();

        Assert.Equal(2, (await reopened.GetRequiredAsync(id, Ct)).AccessCount);
        Assert.Equal(sequence, t.Engine.LastSequence); // access statistics are not changes
    }

    [Fact]
    public async Task RecallAsync_Frequency_FavoursOftenUsedMemoriesWhenRelevanceTies()
    {
        await using var t = new TestEngine();
        var used = await t.RememberAsync("Standup at ten in room four");
        var unused = await t.RememberAsync("Standup at ten in room four");
        for (int i = 0; i < 3; i++)
        {
            await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "standup", Limit = 1 }, Ct);
        }

        // The first recall picked "used" (id tie-break); from then on it is also the more frequently accessed.
        var results = await t.RecallAsync("standup room", weights: new RetrievalWeights { Frequency = 0.5 });

        Assert.Equal([used.Id, unused.Id], results.Select(r => r.Memory.Id));
        Assert.Equal(1.0, results[0].Explanation!.Frequency, 6);
        Assert.Equal(0.0, results[1].Explanation!.Frequency, 6);
    }

    [Fact]
    public async Task RecallAsync_Diversity_ReturnsMoreDistinctResultsThanWithout()
    {
        await using var t = new TestEngine();
        string[] duplicates =
        [
            "Deploy the web app with the deploy script in the tools folder",
            "Deploy the web app using the deploy script in the tools folder",
            "To deploy the web app, run the deploy script in the tools folder",
            "Deploy the web app by running the deploy script in the tools folder",
            "Deploy the web app via the deploy script from the tools folder",
        ];
        string[] distinct =
        [
            "Web app deploys need a sign-off from Dana before Friday",
            "The web app stores its sessions in Redis",
            "Rolling back a web app deploy is done from the admin panel",
        ];
        foreach (var text in duplicates.Concat(distinct))
        {
            await t.RememberAsync(text);
        }

        var plain = await t.RecallAsync("deploy the web app", limit: 4);
        var diverse = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "deploy the web app", Limit = 4, Diversity = 0.7, TrackAccess = false }, Ct);

        int Distinct(IEnumerable<RecallResult> results) => results.Count(r => distinct.Contains(r.Memory.Content)) + (results.Any(r => duplicates.Contains(r.Memory.Content)) ? 1 : 0);
        Assert.Equal(4, diverse.Count);
        Assert.True(Distinct(diverse) > Distinct(plain), $"plain: {Distinct(plain)} distinct, diverse: {Distinct(diverse)} distinct");
        Assert.Contains(diverse, r => duplicates.Contains(r.Memory.Content));
        Assert.Equal(plain[0].Memory.Id, diverse[0].Memory.Id);
    }

    [Fact]
    public async Task RecallAsync_SpreadDepth_BringsInLinkedMemoryThatDoesNotMatch()
    {
        await using var t = new TestEngine();
        var kickoff = await t.RememberAsync("Project Falcon kickoff meeting on Monday");
        var phone = await t.RememberAsync("Dana's phone number is 555-0199");
        var birthday = await t.RememberAsync("Dana's birthday is in October");
        await t.RememberAsync("The quarterly budget spreadsheet is on the shared drive");
        await t.RememberAsync("Bob plays the violin on weekends");
        await t.Engine.LinkAsync(new NewLink { FromId = kickoff.Id, ToId = phone.Id, Type = "organizer_contact", Weight = 0.9 }, Ct);
        await t.Engine.LinkAsync(new NewLink { FromId = phone.Id, ToId = birthday.Id, Weight = 0.9 }, Ct);

        var withoutSpread = await t.RecallAsync("Falcon kickoff", weights: KeywordsOnly);
        var oneHop = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "Falcon kickoff", Weights = KeywordsOnly, SpreadDepth = 1, TrackAccess = false }, Ct);
        var twoHops = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "Falcon kickoff", Weights = KeywordsOnly, SpreadDepth = 2, TrackAccess = false }, Ct);

        Assert.Equal([kickoff.Id], withoutSpread.Select(r => r.Memory.Id));
        Assert.Equal([kickoff.Id, phone.Id], oneHop.Select(r => r.Memory.Id));
        var reached = oneHop[1].Explanation!;
        Assert.Equal(kickoff.Id, reached.ReachedVia);
        Assert.True(reached.LinkActivation > 0);
        Assert.Null(reached.KeywordRank);
        Assert.Null(oneHop[0].Explanation!.ReachedVia);
        Assert.Equal([kickoff.Id, phone.Id, birthday.Id], twoHops.Select(r => r.Memory.Id));
        Assert.Equal(phone.Id, twoHops[2].Explanation!.ReachedVia);
        Assert.True(twoHops[2].Explanation!.LinkActivation < twoHops[1].Explanation!.LinkActivation);
    }

    [Fact]
    public async Task RecallAsync_SpreadDepthWithDefaultWeights_MarksLinkedMemoryAsReachedVia()
    {
        await using var t = new TestEngine();
        var kickoff = await t.RememberAsync("Project Falcon kickoff meeting on Monday");
        var phone = await t.RememberAsync("Dana's phone number is 555-0199");
        await t.RememberAsync("The quarterly budget spreadsheet is on the shared drive");
        await t.RememberAsync("Bob plays the violin on weekends");
        await t.Engine.LinkAsync(new NewLink { FromId = kickoff.Id, ToId = phone.Id, Weight = 0.9 }, Ct);

        var plain = await t.RecallAsync("Falcon kickoff");
        var spread = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "Falcon kickoff", SpreadDepth = 1, TrackAccess = false }, Ct);

        var before = plain.Single(r => r.Memory.Id == phone.Id);
        var after = spread.Single(r => r.Memory.Id == phone.Id);
        Assert.Null(before.Explanation!.ReachedVia);
        Assert.Equal(kickoff.Id, after.Explanation!.ReachedVia);
        Assert.True(after.Score > before.Score);
        Assert.Equal(phone.Id, spread[1].Memory.Id);
    }
}
