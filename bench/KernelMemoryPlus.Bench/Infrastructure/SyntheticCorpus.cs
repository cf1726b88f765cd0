using System.Text;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>One synthetic memory: English-like text plus the structured fields an agent would attach.</summary>
/// <param name="Content">An 80-160 character sentence.</param>
/// <param name="KeyWords">The content words a question about this memory would use (a name and nouns).</param>
/// <param name="Tags">0-3 tags.</param>
/// <param name="Metadata">Two metadata entries.</param>
/// <param name="Importance">Importance between 0.2 and 0.9.</param>
/// <param name="AgeMinutes">How long ago the remembered thing happened.</param>
internal sealed record CorpusItem(
    string Content,
    string[] KeyWords,
    string[] Tags,
    Dictionary<string, string> Metadata,
    double Importance,
    int AgeMinutes);

/// <summary>A recall question and the corpus item it was written from.</summary>
/// <param name="Text">The question.</param>
/// <param name="SourceIndex">Index of the corpus item its words came from.</param>
/// <param name="HasTypo">Whether one word carries a deliberate typo.</param>
internal sealed record CorpusQuestion(string Text, int SourceIndex, bool HasTypo);

/// <summary>
/// A seeded generator of agent-memory-like sentences and of questions about them. The same seed gives the same
/// corpus on every machine, so runs are comparable. Word choice is Zipf-skewed (a few nouns are common, most are
/// rare) so keyword posting lists have a realistic shape.
/// </summary>
internal sealed class SyntheticCorpus
{
    private static readonly string[] s_names =
    [
        "Alice", "Bob", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ingrid", "Jamal", "Keiko", "Lars",
        "Maya", "Nikolai", "Olivia", "Pedro", "Quinn", "Rosa", "Samir", "Tanya", "Umar", "Valeria", "Wen", "Ximena",
        "Yusuf", "Zoe", "Arjun", "Beatriz", "Chen", "Dagny", "Emeka", "Fatima", "Gustav", "Hana", "Ivan", "Julia",
    ];

    private static readonly string[] s_teams =
    [
        "the platform team", "the design group", "the finance office", "our support crew", "the data team",
        "the mobile squad", "the legal department", "the sales team", "the security team", "the research lab",
        "the marketing folks", "the operations team", "the hiring committee", "the release managers",
    ];

    private static readonly string[] s_verbsPast =
    [
        "mentioned", "reviewed", "approved", "rejected", "scheduled", "postponed", "finished", "started", "reported",
        "fixed", "broke", "ordered", "cancelled", "booked", "renewed", "migrated", "documented", "tested", "shipped",
        "questioned", "summarized", "estimated", "budgeted", "prioritized", "archived", "shared", "updated",
        "discussed", "forgot", "recommended", "escalated", "measured", "compared", "configured", "deployed",
    ];

    private static readonly string[] s_verbsBase =
    [
        "review", "approve", "schedule", "finish", "fix", "order", "cancel", "book", "renew", "migrate", "document",
        "test", "ship", "summarize", "estimate", "prioritize", "archive", "share", "update", "compare", "configure",
        "deploy", "check", "clean up", "double-check", "prepare", "send", "sign", "translate", "print",
    ];

    private static readonly string[] s_gerunds =
    [
        "planning", "reviewing", "booking", "writing", "debugging", "ordering", "presenting", "negotiating",
        "travelling", "cooking", "testing", "estimating", "hiring", "onboarding", "budgeting",
    ];

    private static readonly string[] s_adjectives =
    [
        "quarterly", "annual", "urgent", "new", "old", "shared", "private", "draft", "final", "monthly", "weekly",
        "remote", "local", "expensive", "cheap", "late", "early", "critical", "minor", "legacy", "internal",
        "external", "vegetarian", "spicy", "quiet", "noisy", "broken", "flaky", "secure", "public", "detailed",
        "rough", "second", "updated", "original", "backup", "primary", "seasonal", "overdue", "pending",
    ];

    private static readonly string[] s_states =
    [
        "ready", "blocked", "delayed", "on track", "over budget", "almost done", "waiting for review", "missing",
        "approved", "in progress", "too slow", "unclear", "confirmed", "at risk", "resolved",
    ];

    private static readonly string[] s_nouns =
    [
        "invoice", "budget", "roadmap", "release", "deadline", "meeting", "report", "contract", "server", "database",
        "backup", "migration", "dashboard", "presentation", "proposal", "flight", "hotel", "reservation", "dinner",
        "lunch", "recipe", "allergy", "appointment", "doctor", "prescription", "vacation", "passport", "visa",
        "laptop", "monitor", "keyboard", "license", "subscription", "password", "certificate", "firewall",
        "network", "router", "printer", "office", "desk", "parking", "badge", "onboarding", "interview",
        "candidate", "salary", "bonus", "expense", "receipt", "refund", "shipment", "warehouse", "supplier",
        "customer", "ticket", "incident", "outage", "alert", "metric", "latency", "throughput", "cluster",
        "container", "pipeline", "build", "test", "deployment", "rollback", "feature", "bug", "patch", "library",
        "dependency", "api", "endpoint", "schema", "index", "query", "cache", "queue", "worker", "scheduler",
        "calendar", "agenda", "minutes", "summary", "newsletter", "blog", "article", "podcast", "webinar",
        "workshop", "conference", "keynote", "slide", "diagram", "spreadsheet", "document", "template", "policy",
        "guideline", "checklist", "audit", "compliance", "risk", "forecast", "revenue", "margin", "pricing",
        "discount", "coupon", "order", "delivery", "package", "address", "phone", "email", "chat", "channel",
        "thread", "reminder", "birthday", "anniversary", "gift", "party", "venue", "catering", "menu", "coffee",
        "tea", "breakfast", "gym", "workout", "marathon", "bicycle", "car", "train", "bus", "taxi", "airport",
        "luggage", "umbrella", "weather", "garden", "plant", "apartment", "lease", "rent", "mortgage", "insurance",
        "tax", "pension", "account", "transfer", "payment", "loan", "investment", "portfolio", "stock", "bond",
        "museum", "concert", "ticketing", "movie", "book", "novel", "course", "exam", "homework", "school",
        "teacher", "tutor", "language", "translation", "glossary", "dictionary", "manual", "tutorial", "sprint",
        "retrospective", "standup", "backlog", "estimate", "milestone", "prototype", "mockup", "wireframe",
        "logo", "brand", "campaign", "survey", "feedback", "review", "rating", "complaint", "warranty", "repair",
        "battery", "charger", "cable", "adapter", "headset", "camera", "microphone", "speaker", "projector",
        "whiteboard", "notebook", "pen", "stapler", "envelope", "stamp", "postcard", "parcel", "courier",
        "kubernetes", "terraform", "postgres", "redis", "kafka", "grafana", "prometheus", "nginx", "docker",
        "python", "typescript", "rust", "golang", "dotnet", "java", "kotlin", "swift", "android", "iphone",
    ];

    private static readonly string[] s_places =
    [
        "Berlin", "Lisbon", "Tokyo", "Nairobi", "Toronto", "Madrid", "Oslo", "Seoul", "Lima", "Cairo", "Austin",
        "Dublin", "Prague", "Mumbai", "Sydney", "the head office", "the new branch", "the client site",
    ];

    private static readonly string[] s_times =
    [
        "last Tuesday", "this morning", "yesterday", "last week", "on Friday", "two days ago", "before lunch",
        "after the standup", "during the offsite", "last month", "over the weekend", "at the end of the sprint",
        "right before the holidays", "on Monday evening", "earlier today",
    ];

    private static readonly string[] s_days =
    [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the end of the month", "next week",
        "the next release", "the board meeting", "the quarter close", "noon tomorrow",
    ];

    private static readonly string[] s_events =
    [
        "planning session", "design review", "customer call", "team lunch", "all-hands", "one-on-one",
        "incident review", "budget meeting", "workshop", "demo day",
    ];

    private static readonly string[] s_tags =
    [
        "work", "personal", "travel", "finance", "health", "urgent", "followup", "meeting", "preference", "family",
        "project-apollo", "project-hermes", "infra", "hiring", "food", "learning", "shopping", "home", "legal",
        "support", "release", "security", "customer", "idea",
    ];

    private static readonly string[] s_sources = ["chat", "email", "meeting-notes", "calendar", "voice", "ticket"];

    private static readonly string[] s_questionTemplates =
    [
        "what did {name} say about the {n1}?",
        "when is the {n1} {n2} due?",
        "who handled the {n1} for {name}?",
        "how should I {v} the {n1} {n2}?",
        "any notes on {n1} and {n2}?",
        "what does {name} prefer for the {n1}?",
        "is the {n1} for the {n2} ready?",
        "remind me about {name} and the {n1}",
        "status of the {n1} {n2}",
        "where did we leave the {n1} with {name}?",
    ];

    private readonly int _seed;
    private readonly double[] _nounCumulative;

    /// <summary>Creates a generator; the same seed always gives the same corpus.</summary>
    /// <param name="seed">The seed.</param>
    public SyntheticCorpus(int seed)
    {
        _seed = seed;

        // Zipf-like weights (s = 0.9) over the noun list, so a few nouns are common and most are rare.
        _nounCumulative = new double[s_nouns.Length];
        double sum = 0;
        for (int i = 0; i < s_nouns.Length; i++)
        {
            sum += 1.0 / Math.Pow(i + 1, 0.9);
            _nounCumulative[i] = sum;
        }

        for (int i = 0; i < _nounCumulative.Length; i++)
        {
            _nounCumulative[i] /= sum;
        }
    }

    /// <summary>Generates <paramref name="count"/> memories (deterministic for the seed).</summary>
    /// <param name="count">How many.</param>
    public List<CorpusItem> Generate(int count)
    {
        var rng = new Random(_seed);
        var items = new List<CorpusItem>(count);
        for (int i = 0; i < count; i++)
        {
            items.Add(NextItem(rng, i));
        }

        return items;
    }

    /// <summary>
    /// Generates questions about random memories of <paramref name="corpus"/>: a template filled with the memory's
    /// own name and nouns, so a relevant memory exists; a share of them carry one typo.
    /// </summary>
    /// <param name="corpus">The memories the questions are about.</param>
    /// <param name="count">How many questions.</param>
    /// <param name="typoRate">Share of questions with a typo (0..1).</param>
    /// <param name="streamSeed">Separates independent question sets (warm-up and measured).</param>
    public List<CorpusQuestion> Questions(IReadOnlyList<CorpusItem> corpus, int count, double typoRate, int streamSeed)
    {
        var rng = new Random(Seeds.Mix(_seed, streamSeed, 0x51a7));
        var questions = new List<CorpusQuestion>(count);
        for (int i = 0; i < count; i++)
        {
            int source = rng.Next(corpus.Count);
            var item = corpus[source];
            var name = item.KeyWords[0];
            var nouns = item.KeyWords.Skip(1).Distinct(StringComparer.Ordinal).ToArray();
            string n1 = nouns.Length > 0 ? nouns[rng.Next(nouns.Length)] : Noun(rng);
            var others = nouns.Where(n => n != n1).ToArray();
            string n2 = others.Length > 0 ? others[rng.Next(others.Length)] : Noun(rng);
            var text = Pick(rng, s_questionTemplates)
                .Replace("{name}", name, StringComparison.Ordinal)
                .Replace("{n1}", n1, StringComparison.Ordinal)
                .Replace("{n2}", n2, StringComparison.Ordinal)
                .Replace("{v}", Pick(rng, s_verbsBase), StringComparison.Ordinal);
            bool typo = rng.NextDouble() < typoRate;
            if (typo)
            {
                text = AddTypo(rng, text);
            }

            questions.Add(new CorpusQuestion(text, source, typo));
        }

        return questions;
    }

    /// <summary>A seeded random unit vector (Gaussian components, L2-normalized): no structure, like a real embedding's noise floor.</summary>
    /// <param name="rng">The random source.</param>
    /// <param name="dimensions">Vector length.</param>
    public static float[] RandomUnitVector(Random rng, int dimensions)
    {
        var vector = new float[dimensions];
        double norm = 0;
        for (int i = 0; i < dimensions; i++)
        {
            // Box-Muller.
            double u1 = 1.0 - rng.NextDouble();
            double u2 = rng.NextDouble();
            double g = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            vector[i] = (float)g;
            norm += g * g;
        }

        float scale = (float)(1.0 / Math.Sqrt(norm));
        for (int i = 0; i < dimensions; i++)
        {
            vector[i] *= scale;
        }

        return vector;
    }

    /// <summary>Seeded unit vectors for every item of a corpus.</summary>
    /// <param name="count">How many.</param>
    /// <param name="dimensions">Vector length.</param>
    public float[][] Vectors(int count, int dimensions)
    {
        var rng = new Random(Seeds.Mix(_seed, 0x7ec7));
        var vectors = new float[count][];
        for (int i = 0; i < count; i++)
        {
            vectors[i] = RandomUnitVector(rng, dimensions);
        }

        return vectors;
    }

    private CorpusItem NextItem(Random rng, int ordinal)
    {
        for (int attempt = 0; ; attempt++)
        {
            var keyWords = new List<string>(4);
            var text = Sentence(rng, keyWords);
            while (text.Length < 80)
            {
                text = text[..^1] + Clause(rng, keyWords) + ".";
            }

            // Rare overlong sentences are drawn again (bounded, so a pathological seed still terminates).
            if (text.Length > 160 && attempt < 20)
            {
                continue;
            }

            if (text.Length > 160)
            {
                text = text[..159].TrimEnd() + ".";
            }

            var tagCount = rng.Next(4);
            var tags = new HashSet<string>(StringComparer.Ordinal);
            while (tags.Count < tagCount)
            {
                tags.Add(Pick(rng, s_tags));
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["source"] = Pick(rng, s_sources),
                ["conversation"] = $"conv-{rng.Next(1, 5000):D4}",
            };

            return new CorpusItem(
                text,
                [.. keyWords],
                [.. tags],
                metadata,
                Math.Round(0.2 + (rng.NextDouble() * 0.7), 2),
                (ordinal * 7 % 259_200) + rng.Next(60));
        }
    }

    private string Sentence(Random rng, List<string> keyWords)
    {
        string name = Pick(rng, s_names);
        keyWords.Add(name);
        string N()
        {
            var noun = Noun(rng);
            keyWords.Add(noun);
            return noun;
        }

        return rng.Next(8) switch
        {
            0 => $"{name} {Pick(rng, s_verbsPast)} the {Pick(rng, s_adjectives)} {N()} {N()} {Pick(rng, s_times)}.",
            1 => $"{name} said the {N()} for the {N()} is {Pick(rng, s_states)} and needs a {N()} before {Pick(rng, s_days)}.",
            2 => $"During the {Pick(rng, s_events)} in {Pick(rng, s_places)}, {name} {Pick(rng, s_verbsPast)} that the {N()} {N()} was {Pick(rng, s_states)}.",
            3 => $"Remember that {name} prefers the {Pick(rng, s_adjectives)} {N()} over the {N()} when {Pick(rng, s_gerunds)} the {N()}.",
            4 => $"{Capitalize(Pick(rng, s_teams))} {Pick(rng, s_verbsPast)} {rng.Next(2, 40)} units of {N()} for {name} {Pick(rng, s_times)}.",
            5 => $"{name} asked me to {Pick(rng, s_verbsBase)} the {N()} {N()} and send the {N()} to {Pick(rng, s_names)} by {Pick(rng, s_days)}.",
            6 => $"Note from {name}: the {Pick(rng, s_adjectives)} {N()} moved to {Pick(rng, s_places)}, so the {N()} is {Pick(rng, s_states)}.",
            _ => $"{name} {Pick(rng, s_verbsPast)} the {N()} with {Pick(rng, s_teams)} and wants the {N()} {Pick(rng, s_verbsPast)} by {Pick(rng, s_days)}.",
        };
    }

    private string Clause(Random rng, List<string> keyWords)
    {
        string N()
        {
            var noun = Noun(rng);
            keyWords.Add(noun);
            return noun;
        }

        return rng.Next(4) switch
        {
            0 => $" because the {N()} {Pick(rng, s_verbsPast)} {Pick(rng, s_times)}",
            1 => $", and {Pick(rng, s_names)} will {Pick(rng, s_verbsBase)} the {N()} {Pick(rng, s_times)}",
            2 => $" so {Pick(rng, s_teams)} can {Pick(rng, s_verbsBase)} the {Pick(rng, s_adjectives)} {N()}",
            _ => $", which is {Pick(rng, s_states)} since the {N()} {Pick(rng, s_verbsPast)}",
        };
    }

    private string Noun(Random rng)
    {
        double u = rng.NextDouble();
        int index = Array.BinarySearch(_nounCumulative, u);
        if (index < 0)
        {
            index = ~index;
        }

        return s_nouns[Math.Min(index, s_nouns.Length - 1)];
    }

    private static string AddTypo(Random rng, string text)
    {
        var words = text.Split(' ');
        var candidates = Enumerable.Range(0, words.Length).Where(i => words[i].Count(char.IsLetter) >= 5).ToList();
        if (candidates.Count == 0)
        {
            return text;
        }

        int w = candidates[rng.Next(candidates.Count)];
        var word = new StringBuilder(words[w]);
        int letters = 0;
        while (letters < word.Length && char.IsLetter(word[letters]))
        {
            letters++;
        }

        // Keep the first letter (as people's typos mostly do) and stay inside the word's letters.
        int at = 1 + rng.Next(Math.Max(1, letters - 2));
        switch (rng.Next(4))
        {
            case 0: // transposition
                (word[at], word[at + 1]) = (word[at + 1], word[at]);
                break;
            case 1: // deletion
                word.Remove(at, 1);
                break;
            case 2: // duplication
                word.Insert(at, word[at]);
                break;
            default: // substitution by a keyboard neighbour-ish letter
                word[at] = (char)('a' + ((word[at] - 'a' + 1 + rng.Next(2)) % 26 + 26) % 26);
                break;
        }

        words[w] = word.ToString();
        return string.Join(' ', words);
    }

    private static string Capitalize(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    private static T Pick<T>(Random rng, T[] values) => values[rng.Next(values.Length)];
}
