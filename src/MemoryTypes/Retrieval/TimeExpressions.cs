using System.Globalization;
using System.Text.RegularExpressions;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// A span of calendar time a query names: <c>[Start, End)</c> in clock time (no time zone: a memory's
/// <see cref="MemoryRecord.OccurredAt"/> is compared in its own offset, as the person who stored it saw the clock).
/// </summary>
/// <param name="Start">First moment inside.</param>
/// <param name="End">First moment after.</param>
/// <param name="AnyYear">The expression named no year ("in June", "on March 3"): the window repeats every year.</param>
internal readonly record struct TimeWindow(DateTime Start, DateTime End, bool AnyYear)
{
    /// <summary>
    /// True when <paramref name="moment"/> falls inside the window widened by a quarter of its length on each side
    /// (at least a day, at most two weeks): talk about a day often happens the day after, about a month in the first
    /// days of the next, and a stored clock may sit in another zone than the asker's.
    /// </summary>
    public bool Contains(DateTimeOffset moment)
    {
        var clock = moment.DateTime;
        var slack = TimeSpan.FromTicks(Math.Clamp((End - Start).Ticks / 4, TimeSpan.TicksPerDay, 14 * TimeSpan.TicksPerDay));
        if (!AnyYear)
        {
            return clock >= Start - slack && clock < End + slack;
        }

        for (int year = clock.Year - 1; year <= clock.Year + 1; year++)
        {
            int shift = year - Start.Year;
            if (year is < 2 or > 9998)
            {
                continue;
            }

            if (clock >= Start.AddYears(shift) - slack && clock < End.AddYears(shift) + slack)
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>
/// Finds the times an English query names, so recall can favour memories that occurred then: absolute dates
/// ("October 13, 2023", "13 Oct", "2023-10-13"), months ("in May 2023", "during June"), years ("in 2023"), the
/// same with a direction ("before April 10, 2023", "two weeks before August 11, 2023", "after March"), and times
/// relative to now ("yesterday", "three days ago", "last week", "this month", "last year").
/// </summary>
/// <remarks>
/// Deliberately conservative: a month name alone counts only after a preposition ("in may", not "may I"), a year only
/// after one ("in 2023", not "2023 people"). Unparseable or impossible dates ("February 30") are skipped, never an
/// error: the query is free text and this only adds a ranking signal.
/// </remarks>
internal static partial class TimeExpressions
{
    /// <summary>The year an expression without one is placed in (a leap year, so February 29 exists).</summary>
    private const int AnyYearBase = 2000;

    private const string Month = @"(?<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?";
    private const string Day = @"(?<day>[0-3]?\d)(?:st|nd|rd|th)?";
    private const string Year = @"(?<year>(?:1[6-9]|2\d)\d\d)";
    private const string CountWords = @"(?<count>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+few|few|a\s+couple\s+of|couple\s+of)";
    private const string Preposition = @"(?:in|during|since|until|till|before|after|by|from|throughout|of|early|late|mid|around)";

    // Longer forms first: a span taken by one is not read again by a shorter one.
    [GeneratedRegex(@"\b" + Year + @"-(?<m>[01]\d)-(?<day>[0-3]\d)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"\b" + Month + @"\s+" + Day + @"\b(?:,?\s+" + Year + @"\b)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthDay();

    [GeneratedRegex(@"\b" + Day + @"\s+(?:of\s+)?" + Month + @"\b(?:,?\s+" + Year + @"\b)?", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex DayMonth();

    [GeneratedRegex(@"\b" + Month + @",?\s+" + Year + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthYear();

    [GeneratedRegex(@"\b" + Preposition + @"\s+(?:the\s+)?(?:(?:early|late|mid)[\s-]+)?" + Month + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MonthAlone();

    [GeneratedRegex(@"\b" + Preposition + @"\s+(?:the\s+year\s+)?" + Year + @"\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex YearAlone();

    [GeneratedRegex(@"\b(?<what>today|tonight|this\s+(?:morning|afternoon|evening)|yesterday|last\s+night|" + CountWords + @"\s+(?<unit>day|week|month|year)s?\s+ago|(?<which>last|this|past|previous)\s+(?<unit>week|weekend|month|year))\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Relative();

    // What stands just before an anchor and turns it into a direction: "two weeks before", "the week after", "since".
    [GeneratedRegex(@"(?:(?:the\s+)?(?:" + CountWords + @"\s+)?(?<unit>day|week|weekend|month|year)s?\s+)?(?<dir>before|after|since|until|till|by|prior\s+to)\s+(?:the\s+)?(?:on\s+)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Direction();

    /// <summary>Longest query text searched for time expressions (longer texts are documents, not questions).</summary>
    private const int MaxLength = 2_000;

    /// <summary>The time windows <paramref name="text"/> names, in text order; empty when it names none.</summary>
    /// <param name="text">A query.</param>
    /// <param name="now">The present, for relative expressions ("yesterday"); its clock time is used.</param>
    public static IReadOnlyList<TimeWindow> Find(string text, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(text) || text.Length > MaxLength)
        {
            return [];
        }

        var found = new List<(int Index, TimeWindow Window)>();
        var taken = new bool[text.Length];

        // Marks the match's span as read (a span already read by a longer form is skipped) and keeps its window,
        // turned by a direction word just before the anchor ("two weeks before", "since").
        void Take(Match m, TimeWindow? window, int anchorIndex)
        {
            for (int i = m.Index; i < m.Index + m.Length; i++)
            {
                if (taken[i])
                {
                    return;
                }
            }

            Array.Fill(taken, true, m.Index, m.Length);
            if (window is { } w)
            {
                // The direction's words are read too, so "last weekend before April 10" is one window, not two.
                var (directed, from) = Directed(text, anchorIndex, w, now);
                Array.Fill(taken, true, from, anchorIndex - from);
                found.Add((m.Index, directed));
            }
        }

        foreach (Match m in IsoDate().Matches(text))
        {
            Take(m, DayWindow(Number(m, "year"), Number(m, "m"), Number(m, "day")), m.Index);
        }

        foreach (var regex in new[] { MonthDay(), DayMonth() })
        {
            foreach (Match m in regex.Matches(text))
            {
                bool anyYear = !m.Groups["year"].Success;
                Take(m, DayWindow(anyYear ? AnyYearBase : Number(m, "year"), MonthNumber(m), Number(m, "day"), anyYear), m.Index);
            }
        }

        foreach (Match m in MonthYear().Matches(text))
        {
            Take(m, MonthWindow(Number(m, "year"), MonthNumber(m), anyYear: false), m.Index);
        }

        // Here the preposition is part of the match; the anchor is the month or year itself.
        foreach (Match m in MonthAlone().Matches(text))
        {
            Take(m, MonthWindow(AnyYearBase, MonthNumber(m), anyYear: true), m.Groups["month"].Index);
        }

        foreach (Match m in YearAlone().Matches(text))
        {
            int y = Number(m, "year");
            Take(m, new TimeWindow(new DateTime(y, 1, 1), new DateTime(y + 1, 1, 1), AnyYear: false), m.Groups["year"].Index);
        }

        var today = now.DateTime.Date;
        foreach (Match m in Relative().Matches(text))
        {
            Take(m, RelativeWindow(m, today), m.Index);
        }

        return found.OrderBy(f => f.Index).Select(f => f.Window).ToList();
    }

    /// <summary>True when <paramref name="moment"/> falls in any of <paramref name="windows"/>.</summary>
    public static bool AnyContains(IReadOnlyList<TimeWindow> windows, DateTimeOffset moment)
    {
        foreach (var window in windows)
        {
            if (window.Contains(moment))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The anchor's window turned by the direction words just before it, and where those words start.</summary>
    private static (TimeWindow Window, int From) Directed(string text, int anchorIndex, TimeWindow anchor, DateTimeOffset now)
    {
        int from = Math.Max(0, anchorIndex - 48);
        var m = Direction().Match(text, from, anchorIndex - from);
        if (!m.Success)
        {
            return (anchor, anchorIndex);
        }

        TimeSpan span = m.Groups["unit"].Success
            ? UnitLength(m.Groups["unit"].Value) * Count(m.Groups["count"])
            : TimeSpan.FromDays(31);
        var window = m.Groups["dir"].Value.ToLowerInvariant() switch
        {
            "after" => anchor with { End = anchor.End + span },
            "since" => anchor.AnyYear
                ? anchor with { End = anchor.End + TimeSpan.FromDays(31) }
                : anchor with { End = Max(anchor.End, now.DateTime.Date.AddDays(1)) },

            // before, prior to, until, till, by: the span leading up to the anchor, the anchor included (the memory
            // that tells of "the week before the 10th" was often made on the 10th).
            _ => anchor with { Start = anchor.Start - span },
        };
        return (window, m.Index);
    }

    private static TimeWindow? RelativeWindow(Match m, DateTime today)
    {
        string what = Words(m.Groups["what"].Value);
        switch (what)
        {
            case "today" or "tonight" or "this morning" or "this afternoon" or "this evening":
                return new(today, today.AddDays(1), false);
            case "yesterday" or "last night":
                return new(today.AddDays(-1), today, false);
        }

        string unit = m.Groups["unit"].Value.ToLowerInvariant();
        if (m.Groups["count"].Success)
        {
            // "three days ago": that day; "two weeks ago": the week around it; months and years: the calendar unit.
            int n = Count(m.Groups["count"]);
            return unit switch
            {
                "day" => new(today.AddDays(-n), today.AddDays(-n + 1), false),
                "week" => new(today.AddDays((-7 * n) - 3), today.AddDays((-7 * n) + 4), false),
                "month" => SafeMonth(today.AddMonths(-n)),
                _ => today.Year - n >= 1 ? new(new DateTime(today.Year - n, 1, 1), new DateTime(today.Year - n + 1, 1, 1), false) : null,
            };
        }

        string which = m.Groups["which"].Value.ToLowerInvariant();
        var weekStart = today.AddDays(-(((int)today.DayOfWeek + 6) % 7));
        var monthStart = new DateTime(today.Year, today.Month, 1);
        return (which, unit) switch
        {
            ("past", "week" or "weekend") => new(today.AddDays(-7), today.AddDays(1), false),
            ("past", "month") => new(today.AddDays(-31), today.AddDays(1), false),
            ("past", _) => new(today.AddDays(-365), today.AddDays(1), false),
            ("this", "week") => new(weekStart, weekStart.AddDays(7), false),
            ("this", "weekend") => new(weekStart.AddDays(5), weekStart.AddDays(7), false),
            ("this", "month") => new(monthStart, monthStart.AddMonths(1), false),
            ("this", _) => new(new DateTime(today.Year, 1, 1), new DateTime(today.Year + 1, 1, 1), false),
            (_, "week") => new(weekStart.AddDays(-7), weekStart, false),
            (_, "weekend") => new(weekStart.AddDays(-2), weekStart, false),
            (_, "month") => new(monthStart.AddMonths(-1), monthStart, false),
            _ => new(new DateTime(today.Year - 1, 1, 1), new DateTime(today.Year, 1, 1), false),
        };
    }

    private static TimeWindow SafeMonth(DateTime inMonth)
    {
        var start = new DateTime(inMonth.Year, inMonth.Month, 1);
        return new(start, start.AddMonths(1), false);
    }

    private static TimeWindow? DayWindow(int year, int month, int day, bool anyYear = false)
    {
        if (month is < 1 or > 12 || day < 1 || year is < 1600 or > 2999 || day > DateTime.DaysInMonth(year, month))
        {
            return null;
        }

        var start = new DateTime(year, month, day);
        return new(start, start.AddDays(1), anyYear);
    }

    private static TimeWindow? MonthWindow(int year, int month, bool anyYear)
    {
        if (month is < 1 or > 12 || year is < 1600 or > 2999)
        {
            return null;
        }

        var start = new DateTime(year, month, 1);
        return new(start, start.AddMonths(1), anyYear);
    }

    private static int Number(Match m, string group) =>
        int.Parse(m.Groups[group].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture);

    private static int MonthNumber(Match m)
    {
        var name = m.Groups["month"].ValueSpan;
        Span<char> lower = stackalloc char[3];
        name[..3].ToLowerInvariant(lower);
        return lower switch
        {
            "jan" => 1,
            "feb" => 2,
            "mar" => 3,
            "apr" => 4,
            "may" => 5,
            "jun" => 6,
            "jul" => 7,
            "aug" => 8,
            "sep" => 9,
            "oct" => 10,
            "nov" => 11,
            _ => 12,
        };
    }

    private static int Count(Group group)
    {
        if (!group.Success)
        {
            return 1;
        }

        string value = Words(group.Value);
        return value switch
        {
            "a" or "an" or "one" => 1,
            "two" or "a couple of" or "couple of" => 2,
            "three" or "a few" or "few" => 3,
            "four" => 4,
            "five" => 5,
            "six" => 6,
            "seven" => 7,
            "eight" => 8,
            "nine" => 9,
            "ten" => 10,
            "eleven" => 11,
            "twelve" => 12,
            _ => int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture),
        };
    }

    /// <summary>Matched words in lower case, each run of white space as one space ("a  couple\tof" → "a couple of").</summary>
    private static string Words(string matched) => string.Join(' ', matched.ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static TimeSpan UnitLength(string unit) => unit.ToLowerInvariant() switch
    {
        "day" => TimeSpan.FromDays(1),
        "week" or "weekend" => TimeSpan.FromDays(7),
        "month" => TimeSpan.FromDays(31),
        _ => TimeSpan.FromDays(366),
    };

    private static DateTime Max(DateTime a, DateTime b) => a > b ? a : b;
}
