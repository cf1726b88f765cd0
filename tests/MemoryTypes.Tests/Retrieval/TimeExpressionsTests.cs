using KernelMemoryPlus.Retrieval;
using KernelMemoryPlus.Tests.Engine;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class TimeExpressionsTests
{
    // A Thursday.
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 15, 30, 0, TimeSpan.Zero);

    public static TheoryData<string, string, string, bool> Windows => new()
    {
        // text, start, end (exclusive), any year
        { "What painting did Melanie show to Caroline on October 13, 2023?", "2023-10-13", "2023-10-14", false },
        { "What did Gina find for her clothing store on 1 February, 2023?", "2023-02-01", "2023-02-02", false },
        { "the 3rd of June 2023 meeting", "2023-06-03", "2023-06-04", false },
        { "notes from 2024-02-29", "2024-02-29", "2024-03-01", false },
        { "Oct. 5th, 2021 plans", "2021-10-05", "2021-10-06", false },
        { "What type of workout class did Maria start doing in December 2023?", "2023-12-01", "2024-01-01", false },
        { "What happened in May, 2023", "2023-05-01", "2023-06-01", false },
        { "How many times has Melanie gone to the beach in 2023?", "2023-01-01", "2024-01-01", false },
        { "When did Melanie go camping in June?", "2000-06-01", "2000-07-01", true },
        { "birthday on March 3", "2000-03-03", "2000-03-04", true },
        { "What did Maria participate in last weekend before April 10, 2023?", "2023-04-03", "2023-04-11", false },
        { "What is the name of Maria's puppy she got two weeks before August 11, 2023?", "2023-07-28", "2023-08-12", false },
        { "What did John do the week before August 3, 2023 involving his kids?", "2023-07-27", "2023-08-04", false },
        { "anything before May 2023", "2023-03-31", "2023-06-01", false },
        { "three days after 2023-01-10", "2023-01-10", "2023-01-14", false },
        { "what did I eat yesterday", "2026-11-25", "2026-11-26", false },
        { "plans for today", "2026-11-26", "2026-11-27", false },
        { "three days ago", "2026-11-23", "2026-11-24", false },
        { "a couple of weeks ago", "2026-11-09", "2026-11-16", false },
        { "2 months ago", "2026-09-01", "2026-10-01", false },
        { "what happened last week", "2026-11-16", "2026-11-23", false },
        { "this week", "2026-11-23", "2026-11-30", false },
        { "last month", "2026-10-01", "2026-11-01", false },
        { "over the past month", "2026-10-26", "2026-11-27", false },
        { "last year", "2025-01-01", "2026-01-01", false },
        { "since March 2026", "2026-03-01", "2026-11-27", false },
    };

    [Theory]
    [MemberData(nameof(Windows))]
    public void Find_ReadsTheNamedTime(string text, string start, string end, bool anyYear)
    {
        var window = Assert.Single(TimeExpressions.Find(text, Now));
        Assert.Equal(DateTime.Parse(start, System.Globalization.CultureInfo.InvariantCulture), window.Start);
        Assert.Equal(DateTime.Parse(end, System.Globalization.CultureInfo.InvariantCulture), window.End);
        Assert.Equal(anyYear, window.AnyYear);
    }

    [Theory]
    [InlineData("May I ask what Caroline researched?")]
    [InlineData("We had 2023 people at the parade")]
    [InlineData("What did she say about the march for equality?")]
    [InlineData("February 30, 2023 never happened")]
    [InlineData("on 45 March")]
    [InlineData("in 99999")]
    [InlineData("the year 1200")]
    [InlineData("")]
    [InlineData("What books has Melanie read?")]
    public void Find_IgnoresWhatIsNotATime(string text)
    {
        Assert.Empty(TimeExpressions.Find(text, Now));
    }

    [Fact]
    public void Find_ReadsEveryTimeInTextOrder()
    {
        var windows = TimeExpressions.Find("between January 5, 2023 and yesterday, or in 2021", Now);
        Assert.Equal([new DateTime(2023, 1, 5), new DateTime(2026, 11, 25), new DateTime(2021, 1, 1)], windows.Select(w => w.Start));
    }

    [Fact]
    public void Contains_WidensTheWindowByAQuarter_AtLeastADay_AtMostTwoWeeks()
    {
        var day = new TimeWindow(new DateTime(2023, 10, 13), new DateTime(2023, 10, 14), AnyYear: false);
        Assert.True(day.Contains(new DateTimeOffset(2023, 10, 13, 20, 0, 0, TimeSpan.FromHours(-7))));
        Assert.True(day.Contains(new DateTimeOffset(2023, 10, 14, 18, 0, 0, TimeSpan.Zero)));
        Assert.False(day.Contains(new DateTimeOffset(2023, 10, 15, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(day.Contains(new DateTimeOffset(2023, 10, 11, 23, 59, 0, TimeSpan.Zero)));

        var year = new TimeWindow(new DateTime(2023, 1, 1), new DateTime(2024, 1, 1), AnyYear: false);
        Assert.True(year.Contains(new DateTimeOffset(2024, 1, 10, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(year.Contains(new DateTimeOffset(2024, 1, 20, 0, 0, 0, TimeSpan.Zero)));

        // The clock time in the memory's own offset counts: 23:00 on the 11th in New York (03:00 on the 12th in UTC)
        // is the 11th for whoever stored it, so outside the widened window.
        var clock = new DateTimeOffset(2023, 10, 11, 23, 0, 0, TimeSpan.FromHours(-4));
        Assert.False(day.Contains(clock));
    }

    [Fact]
    public void Contains_AYearlessWindow_MatchesEveryYear_AcrossTheNewYear()
    {
        var june = Assert.Single(TimeExpressions.Find("in June", Now));
        Assert.True(june.Contains(new DateTimeOffset(2019, 6, 15, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(june.Contains(new DateTimeOffset(2031, 7, 5, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(june.Contains(new DateTimeOffset(2023, 8, 1, 0, 0, 0, TimeSpan.Zero)));

        var december = Assert.Single(TimeExpressions.Find("during December", Now));
        Assert.True(december.Contains(new DateTimeOffset(2024, 1, 3, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(december.Contains(new DateTimeOffset(2023, 11, 25, 0, 0, 0, TimeSpan.Zero)));
        Assert.False(december.Contains(new DateTimeOffset(2024, 2, 1, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Find_HostileOrRandomText_NeverThrows()
    {
        var random = new Random(20261126);
        string[] pieces = ["on ", "in ", "before ", "after ", "since ", "999 ", "0 ", "31 ", "February ", "may ", "2023", "-", "02", "-30", ",", " ", "weeks ", "years ago", "last ", "the ", "of ", "\u0000", "é", "9999", "1600"];
        for (int i = 0; i < 5_000; i++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => pieces[random.Next(pieces.Length)]));
            foreach (var window in TimeExpressions.Find(text, Now))
            {
                Assert.True(window.End > window.Start, text);
            }
        }

        Assert.Empty(TimeExpressions.Find(new string('1', 100_000) + " in May 2023", Now));
        Assert.Single(TimeExpressions.Find("999 years ago", Now));
    }

    [Fact]
    public async Task RecallAsync_QueryNamingADate_RanksWhatWasSaidThatDayFirst()
    {
        await using var t = new TestEngine();
        var keywordsOnly = new RetrievalWeights { Vector = 0, Fuzzy = 0, Recency = 0, Importance = 0, Frequency = 0 };

        // Five sessions talk about the store; only the one of 1 February 2023 says what was found for it.
        for (int day = 0; day < 5; day++)
        {
            var at = new DateTimeOffset(2023, 1, 30 - (day * 5), 14, 0, 0, TimeSpan.Zero);
            await t.Episodic.RecordEventAsync(TestEngine.Ns, $"Gina: My clothing store needs new stock, round {day}.", $"s{day}", at, cancellationToken: TestEngine.Ct);
        }

        var target = await t.Episodic.RecordEventAsync(TestEngine.Ns, "Gina: A wholesaler said yes today, so the store gets stock!", "feb", new DateTimeOffset(2023, 2, 1, 13, 56, 0, TimeSpan.Zero), cancellationToken: TestEngine.Ct);

        var dated = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "What did Gina find for her clothing store on 1 February, 2023?", Weights = keywordsOnly }, TestEngine.Ct);
        Assert.Equal(target.Id, dated[0].Memory.Id);
        Assert.Equal(1, dated[0].Explanation!.TimeRank);
        Assert.Contains("time #1", dated[0].Explanation!.ToString(), StringComparison.Ordinal);
        Assert.All(dated.Skip(1), r => Assert.Null(r.Explanation!.TimeRank));
        Assert.Equal(6, dated.Count);

        // Without the date (or with the time weight off) the same words rank the other sessions' turns first.
        var undated = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "What did Gina find for her clothing store?", Weights = keywordsOnly }, TestEngine.Ct);
        Assert.NotEqual(target.Id, undated[0].Memory.Id);
        Assert.All(undated, r => Assert.Null(r.Explanation!.TimeRank));
        var off = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "What did Gina find for her clothing store on 1 February, 2023?", Weights = keywordsOnly with { Time = 0 } }, TestEngine.Ct);
        Assert.NotEqual(target.Id, off[0].Memory.Id);
    }

    [Fact]
    public async Task RecallAsync_RelativeTime_IsReadAgainstTheEngineClock()
    {
        await using var t = new TestEngine();
        var keywordsOnly = new RetrievalWeights { Vector = 0, Fuzzy = 0, Recency = 0, Importance = 0, Frequency = 0 };
        var yesterday = await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Lunch with Ana at the noodle bar", OccurredAt = TestEngine.Start.AddDays(-1) }, TestEngine.Ct);
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Lunch with the team, pizza again", OccurredAt = TestEngine.Start.AddDays(-20) }, TestEngine.Ct);
        await t.Engine.RememberAsync(new NewMemory { Namespace = TestEngine.Ns, Content = "Lunch alone, a quick sandwich lunch", OccurredAt = TestEngine.Start.AddDays(-40) }, TestEngine.Ct);

        var results = await t.Engine.RecallAsync(new RecallQuery { Namespace = TestEngine.Ns, Text = "who did I have lunch with yesterday", Weights = keywordsOnly }, TestEngine.Ct);
        Assert.Equal(yesterday.Id, results[0].Memory.Id);
        Assert.Equal(1, results[0].Explanation!.TimeRank);
        Assert.Equal(3, results.Count);
    }
}
