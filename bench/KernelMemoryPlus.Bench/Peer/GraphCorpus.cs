using System.Text;
using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Peer;

/// <summary>An entity of the knowledge graph, as sent to <c>create_entities</c>.</summary>
/// <param name="Name">Unique name ("Maya Okafor", "Blue Harbor Logistics").</param>
/// <param name="EntityType">person, organization, project, place, product or event.</param>
/// <param name="Observations">2-4 short sentences about it.</param>
internal sealed record GraphEntitySpec(string Name, string EntityType, IReadOnlyList<string> Observations);

/// <summary>How a search query was written from its entity.</summary>
internal enum GraphQueryKind
{
    /// <summary>The entity's full name.</summary>
    Name,

    /// <summary>2-3 consecutive words of one of its observations (a substring of it).</summary>
    Phrase,

    /// <summary>A word of its name plus a word of one of its observations (not a substring of anything).</summary>
    Mixed,
}

/// <summary>A <c>search_nodes</c> query and the entity it was written from.</summary>
/// <param name="Text">The query.</param>
/// <param name="EntityIndex">Index of the intended entity.</param>
/// <param name="Kind">How it was written.</param>
/// <param name="HasTypo">Whether one word carries a deliberate typo.</param>
internal sealed record GraphQuery(string Text, int EntityIndex, GraphQueryKind Kind, bool HasTypo);

/// <summary>
/// A seeded generator of a realistic agent knowledge graph (people, organizations, projects, places, products and
/// events with observations that refer to each other) and of queries about it. Same seed, same graph.
/// </summary>
internal static class GraphCorpus
{
    private static readonly string[] s_first =
    [
        "Maya", "Liam", "Sofia", "Noah", "Amara", "Kenji", "Elena", "Omar", "Priya", "Lucas", "Ingrid", "Mateo",
        "Chloe", "Dmitri", "Fatima", "Jonas", "Aisha", "Hugo", "Yuki", "Rafael", "Nadia", "Tobias", "Leila",
        "Samuel", "Camila", "Viktor", "Hana", "Julian", "Zara", "Felix", "Mei", "Andre", "Olga", "Kofi", "Greta",
        "Ravi", "Lucia", "Emil", "Sana", "Diego", "Freya", "Tariq", "Ines", "Oscar", "Keiko", "Marco", "Esther",
        "Bruno", "Anya", "Pablo", "Selma", "Arjun", "Clara", "Mikael", "Nia", "Stefan", "Rosa", "Idris", "Elise",
        "Tomas", "Yara", "Henrik", "Lina", "Caleb", "Malia", "Ahmed", "Vera", "Jasper", "Noor", "Gabriel",
        "Helena", "Ibrahim", "Astrid", "Daniel", "Maren", "Kwame", "Beatriz", "Isaac", "Saskia", "Rohan",
    ];

    private static readonly string[] s_last =
    [
        "Okafor", "Lindqvist", "Moreau", "Tanaka", "Haddad", "Kowalski", "Fernandes", "Nakamura", "Brennan",
        "Schultz", "Adeyemi", "Rossi", "Petrov", "Castillo", "Virtanen", "Mensah", "Dubois", "Horvath", "Iyer",
        "Johansson", "Keller", "Lambert", "Mahlangu", "Novak", "Oyelaran", "Quintero", "Ramires", "Sato",
        "Takahashi", "Umarov", "Vasquez", "Whitfield", "Xu", "Yilmaz", "Zielinski", "Abbott", "Bergstrom",
        "Carvalho", "Delgado", "Eriksen", "Fontaine", "Garber", "Hoffmann", "Ilves", "Jovanovic", "Kaplan",
        "Larsen", "Mbeki", "Nilsen", "Ortega", "Pereira", "Rahman", "Svensson", "Torres", "Ueda", "Vogel",
        "Wagner", "Yamada", "Zamora", "Andersen", "Banerjee", "Chowdhury", "Dalton", "Engel", "Farouk",
        "Gallagher", "Hakimi", "Ivanova", "Jensen", "Kimura", "Lopez", "Marsh", "Nguyen", "Osei", "Park",
        "Quaid", "Reyes", "Silva", "Thorne", "Ulrich", "Valdez", "Weiss", "Yoon", "Ziegler", "Afolabi",
        "Blackwood", "Costa", "Drummond", "Esposito", "Fischer", "Grant", "Holm", "Ito", "Jaramillo", "Koch",
        "Lund", "Morales", "Nakashima", "Olsen", "Pinto", "Rinaldi", "Stewart", "Tran", "Varga", "Wolff",
    ];

    private static readonly string[] s_orgLead =
    [
        "Blue", "North", "Silver", "Bright", "Red", "Green", "Iron", "Clear", "Swift", "Golden", "Deep", "High",
        "Open", "True", "Quiet", "Cedar", "Stone", "River", "Harbor", "Summit", "Amber", "Polar", "Urban", "Prime",
        "Coastal", "Nordic", "Pacific", "Atlas", "Vertex", "Lumen",
    ];

    private static readonly string[] s_orgRoot =
    [
        "Harbor", "Wind", "Water", "Field", "Peak", "Bridge", "Lake", "Forge", "Line", "Path", "Rock", "Gate",
        "Point", "Grove", "Stream", "Ridge", "Light", "Wave", "Crest", "Haven", "Mill", "Port", "Vale", "Works",
        "Signal", "Cloud", "Orbit", "Spring", "Trail", "Yard",
    ];

    private static readonly string[] s_orgKind =
    [
        "Logistics", "Analytics", "Health", "Capital", "Robotics", "Foods", "Energy", "Labs", "Insurance",
        "Media", "Systems", "Partners", "Pharma", "Retail", "Software", "Consulting", "Airlines", "Bank",
        "Studios", "Motors", "Telecom", "Foundation", "Security", "Materials", "Networks",
    ];

    private static readonly string[] s_animals =
    [
        "Falcon", "Heron", "Otter", "Lynx", "Condor", "Badger", "Marten", "Ibis", "Puffin", "Orca", "Jaguar",
        "Kestrel", "Bison", "Walrus", "Gecko", "Manta", "Osprey", "Panther", "Raven", "Stingray", "Toucan",
        "Viper", "Wolverine", "Yak", "Zebra", "Albatross", "Beaver", "Cobra", "Dingo", "Egret", "Ferret",
        "Gazelle", "Hornet", "Iguana", "Jackal", "Koala", "Lemur", "Mongoose", "Narwhal", "Ocelot", "Pelican",
        "Quokka", "Salamander", "Tapir", "Urchin", "Vulture", "Wombat", "Alpaca", "Bobcat", "Caribou", "Dolphin",
        "Eagle", "Flamingo", "Gorilla", "Hedgehog", "Impala", "Kingfisher", "Llama", "Magpie", "Nightingale",
        "Oriole", "Penguin", "Rhino", "Sparrow", "Tortoise", "Weasel", "Coyote", "Moose", "Seal", "Crane",
    ];

    private static readonly string[] s_workstreams =
    [
        "Migration", "Rollout", "Redesign", "Audit", "Pilot", "Upgrade", "Launch", "Integration", "Rewrite",
        "Consolidation", "Onboarding", "Automation", "Cleanup", "Expansion", "Refresh", "Certification",
        "Benchmark", "Replatforming", "Modernization", "Outreach", "Research", "Campaign", "Overhaul",
        "Transition", "Review", "Sprint", "Initiative", "Program", "Revamp", "Study", "Buildout", "Partnership",
        "Prototype", "Renewal", "Retrofit", "Survey", "Takeover", "Handover", "Tender", "Evaluation",
    ];

    private static readonly string[] s_cities =
    [
        "Lisbon", "Osaka", "Nairobi", "Toronto", "Madrid", "Oslo", "Seoul", "Lima", "Cairo", "Austin", "Dublin",
        "Prague", "Mumbai", "Sydney", "Berlin", "Tokyo", "Lagos", "Denver", "Porto", "Vienna", "Krakow", "Accra",
        "Bogota", "Hanoi", "Manila", "Quito", "Riga", "Tallinn", "Zurich", "Geneva", "Lyon", "Milan", "Turin",
        "Naples", "Seville", "Valencia", "Bilbao", "Gdansk", "Helsinki", "Bergen", "Aarhus", "Malmo", "Gothenburg",
        "Antwerp", "Ghent", "Rotterdam", "Utrecht", "Leeds", "Bristol", "Glasgow", "Cork", "Boston", "Chicago",
        "Seattle", "Portland", "Phoenix", "Dallas", "Atlanta", "Miami", "Montreal", "Calgary", "Ottawa", "Santiago",
        "Cordoba", "Recife", "Durban", "Kigali", "Dakar", "Tunis", "Amman", "Doha", "Pune", "Chennai", "Jakarta",
        "Penang", "Busan", "Sapporo", "Taipei", "Auckland", "Perth",
    ];

    private static readonly string[] s_placeKinds =
    [
        "office", "warehouse", "data center", "branch", "lab", "store", "depot", "studio", "campus", "plant",
        "hub", "showroom", "clinic", "workshop", "coworking space", "headquarters", "distribution center",
        "call center", "training center", "factory",
    ];

    private static readonly string[] s_brands =
    [
        "Acme", "Zenith", "Nimbus", "Vector", "Orbital", "Quantum", "Helix", "Kite", "Monolith", "Pioneer",
        "Solace", "Tandem", "Umbra", "Vortex", "Waypoint", "Axiom", "Beacon", "Cobalt", "Drift", "Ember",
        "Fathom", "Glide", "Harbinger", "Ion", "Juniper", "Keystone", "Loom", "Meridian", "Nova", "Onyx",
    ];

    private static readonly string[] s_productLines =
    [
        "Router", "Scanner", "Tablet", "Headset", "Printer", "Sensor", "Drone", "Thermostat", "Camera", "Laptop",
        "Monitor", "Keyboard", "Speaker", "Tracker", "Gateway", "Terminal", "Charger", "Projector", "Dock",
        "Watch", "Kiosk", "Badge Reader", "Label Printer", "Barcode Gun", "Power Bank",
    ];

    private static readonly string[] s_eventKinds =
    [
        "offsite", "conference", "hackathon", "board meeting", "product launch", "trade fair", "summit",
        "workshop", "retreat", "kickoff", "town hall", "customer day", "roadshow", "meetup", "training week",
    ];

    private static readonly string[] s_roles =
    [
        "data engineer", "product manager", "account executive", "site reliability engineer", "designer",
        "finance lead", "head of sales", "security analyst", "recruiter", "operations manager", "legal counsel",
        "support lead", "backend developer", "research scientist", "marketing director", "procurement officer",
        "chief of staff", "QA engineer", "solutions architect", "HR business partner",
    ];

    private static readonly string[] s_topics =
    [
        "invoice", "budget", "roadmap", "release", "contract", "database", "backup", "dashboard", "proposal",
        "migration", "firewall", "onboarding", "warehouse", "shipment", "pricing", "forecast", "compliance",
        "kubernetes", "postgres", "kafka", "grafana", "terraform", "payroll", "hiring", "vendor", "audit",
        "latency", "outage", "licensing", "procurement", "inventory", "billing", "analytics", "telemetry",
        "localization", "accessibility", "encryption", "retention", "churn", "renewal", "warranty", "catering",
        "travel", "insurance", "parking", "expenses", "translation", "newsletter", "webinar", "podcast",
    ];

    private static readonly string[] s_preferences =
    [
        "async standups", "short meetings", "written proposals", "morning calls", "video calls", "email over chat",
        "detailed agendas", "quiet focus time", "vegetarian lunches", "green tea", "window seats", "early flights",
        "printed reports", "dark mode dashboards", "weekly summaries", "pair programming", "whiteboard sessions",
        "plain text notes", "slide-free reviews", "Friday demos",
    ];

    private static readonly string[] s_languages =
    [
        "Portuguese", "Japanese", "Swahili", "French", "Spanish", "Norwegian", "Korean", "Arabic", "German",
        "Polish", "Hindi", "Finnish", "Dutch", "Italian", "Turkish", "Vietnamese", "Mandarin", "Greek",
    ];

    private static readonly string[] s_months =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ];

    private static readonly string[] s_states =
    [
        "on track", "blocked", "delayed", "over budget", "almost done", "waiting for legal review", "paused",
        "at risk", "in final testing", "ahead of schedule",
    ];

    private static readonly string[] s_foods =
    [
        "peanuts", "shellfish", "gluten", "dairy", "sesame", "kiwi", "mustard", "soy",
    ];

    private static readonly string[] s_hobbies =
    [
        "trail running", "chess", "sailing", "bouldering", "jazz piano", "birdwatching", "pottery", "cycling",
        "photography", "gardening", "salsa dancing", "woodworking", "astronomy", "board games", "kayaking",
    ];

    private static readonly (string Type, double Share)[] s_typeShares =
    [
        ("person", 0.40), ("organization", 0.15), ("project", 0.15), ("place", 0.10), ("product", 0.10), ("event", 0.10),
    ];

    /// <summary>Generates <paramref name="count"/> entities with unique names (deterministic for the seed).</summary>
    /// <param name="count">How many entities.</param>
    /// <param name="seed">The seed.</param>
    public static List<GraphEntitySpec> Entities(int count, int seed)
    {
        var rng = new Random(Seeds.Mix(seed, 0x6a0f));
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var drafts = new List<(string Name, string Type)>(count);
        var byType = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            var type = PickType(rng);
            string name = string.Empty;
            for (int attempt = 0; ; attempt++)
            {
                name = MakeName(rng, type);
                if (attempt >= 40)
                {
                    name += $" {i}";
                }

                if (names.Add(name))
                {
                    break;
                }
            }

            drafts.Add((name, type));
            if (!byType.TryGetValue(type, out var list))
            {
                list = [];
                byType[type] = list;
            }

            list.Add(name);
        }

        string Other(string type, string self)
        {
            if (byType.TryGetValue(type, out var list) && list.Count > 1)
            {
                for (int attempt = 0; attempt < 5; attempt++)
                {
                    var candidate = list[rng.Next(list.Count)];
                    if (!string.Equals(candidate, self, StringComparison.Ordinal))
                    {
                        return candidate;
                    }
                }
            }

            return type switch
            {
                "person" => $"{Pick(rng, s_first)} {Pick(rng, s_last)}",
                "organization" => $"{Pick(rng, s_orgLead)} {Pick(rng, s_orgRoot)} {Pick(rng, s_orgKind)}",
                _ => $"{Pick(rng, s_cities)} {Pick(rng, s_placeKinds)}",
            };
        }

        var entities = new List<GraphEntitySpec>(count);
        foreach (var (name, type) in drafts)
        {
            int observations = 2 + rng.Next(3);
            var set = new List<string>(observations);
            for (int attempt = 0; set.Count < observations && attempt < 20; attempt++)
            {
                var sentence = Observation(rng, type, name, Other);
                if (!set.Contains(sentence, StringComparer.Ordinal))
                {
                    set.Add(sentence);
                }
            }

            entities.Add(new GraphEntitySpec(name, type, set));
        }

        return entities;
    }

    /// <summary>
    /// Queries about random entities: the full name, a phrase of an observation, or a name word plus an observation
    /// word; a share carry one typo.
    /// </summary>
    /// <param name="entities">The graph.</param>
    /// <param name="count">How many queries.</param>
    /// <param name="typoRate">Share with a typo.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="stream">Separates independent query sets (warm-up and measured).</param>
    public static List<GraphQuery> Queries(IReadOnlyList<GraphEntitySpec> entities, int count, double typoRate, int seed, int stream)
    {
        var rng = new Random(Seeds.Mix(seed, stream, 0x5ea2));
        var queries = new List<GraphQuery>(count);
        while (queries.Count < count)
        {
            int index = rng.Next(entities.Count);
            var entity = entities[index];
            double u = rng.NextDouble();
            var kind = u < 0.35 ? GraphQueryKind.Name : u < 0.75 ? GraphQueryKind.Phrase : GraphQueryKind.Mixed;
            string? text = kind switch
            {
                GraphQueryKind.Name => entity.Name,
                GraphQueryKind.Phrase => Phrase(rng, entity),
                _ => Mixed(rng, entity),
            };
            if (text is null)
            {
                continue;
            }

            bool typo = false;
            if (rng.NextDouble() < typoRate && AddTypo(rng, text) is { } misspelled)
            {
                text = misspelled;
                typo = true;
            }

            queries.Add(new GraphQuery(text, index, kind, typo));
        }

        return queries;
    }

    /// <summary>Random entity names for <c>open_nodes</c> calls.</summary>
    /// <param name="entities">The graph.</param>
    /// <param name="count">How many calls.</param>
    /// <param name="namesPerCall">Names per call.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="stream">Separates independent sets.</param>
    public static List<string[]> OpenRequests(IReadOnlyList<GraphEntitySpec> entities, int count, int namesPerCall, int seed, int stream)
    {
        var rng = new Random(Seeds.Mix(seed, stream, 0x09e7));
        var requests = new List<string[]>(count);
        for (int i = 0; i < count; i++)
        {
            var names = new string[Math.Min(namesPerCall, entities.Count)];
            for (int j = 0; j < names.Length; j++)
            {
                names[j] = entities[rng.Next(entities.Count)].Name;
            }

            requests.Add(names);
        }

        return requests;
    }

    /// <summary>
    /// One typo in a word of at least 5 letters (transposition, deletion, duplication or substitution, never the
    /// first letter), or null when the text has no such word.
    /// </summary>
    /// <param name="rng">The random source.</param>
    /// <param name="text">The text.</param>
    public static string? AddTypo(Random rng, string text)
    {
        var words = text.Split(' ');
        var candidates = Enumerable.Range(0, words.Length).Where(i => words[i].Length >= 5 && words[i].All(char.IsLetter)).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        int w = candidates[rng.Next(candidates.Count)];
        var word = new StringBuilder(words[w]);
        int at = 1 + rng.Next(word.Length - 2);
        switch (rng.Next(4))
        {
            case 0:
                (word[at], word[at + 1]) = (word[at + 1], word[at]);
                if (word[at] == word[at + 1])
                {
                    word.Remove(at, 1);
                }

                break;
            case 1:
                word.Remove(at, 1);
                break;
            case 2:
                word.Insert(at, word[at]);
                break;
            default:
                char c = char.ToLowerInvariant(word[at]);
                word[at] = (char)('a' + ((c - 'a' + 1 + rng.Next(24)) % 26));
                break;
        }

        words[w] = word.ToString();
        var result = string.Join(' ', words);
        return string.Equals(result, text, StringComparison.Ordinal) ? null : result;
    }

    private static string? Phrase(Random rng, GraphEntitySpec entity)
    {
        for (int attempt = 0; attempt < 10; attempt++)
        {
            var observation = entity.Observations[rng.Next(entity.Observations.Count)];
            var words = observation.Split(' ');
            int length = 2 + rng.Next(2);
            if (words.Length < length)
            {
                continue;
            }

            int start = rng.Next(words.Length - length + 1);
            var window = words.Skip(start).Take(length).ToArray();

            // Punctuation may only end the last word (it is trimmed), so the phrase stays a substring.
            if (window.Take(length - 1).Any(w => w.Any(c => !char.IsLetterOrDigit(c) && c != '-')))
            {
                continue;
            }

            window[^1] = window[^1].TrimEnd('.', ',', ';', ':');
            var phrase = string.Join(' ', window);

            // A phrase needs a distinctive word, not "is the" or "of a".
            if (!window.Any(w => w.Length >= 5) || !observation.Contains(phrase, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return phrase;
        }

        return null;
    }

    private static string? Mixed(Random rng, GraphEntitySpec entity)
    {
        var nameWords = entity.Name.Split(' ').Where(w => w.Length >= 3 && w.All(char.IsLetter)).ToArray();
        var observationWords = entity.Observations
            .SelectMany(o => o.Split(' '))
            .Select(w => w.TrimEnd('.', ',', ';', ':'))
            .Where(w => w.Length >= 6 && w.All(char.IsLetter) && char.IsLower(w[0]))
            .Distinct(StringComparer.Ordinal)
            .ToArray();
        if (nameWords.Length == 0 || observationWords.Length == 0)
        {
            return null;
        }

        return $"{Pick(rng, nameWords)} {Pick(rng, observationWords)}";
    }

    private static string PickType(Random rng)
    {
        double u = rng.NextDouble(), sum = 0;
        foreach (var (type, share) in s_typeShares)
        {
            sum += share;
            if (u < sum)
            {
                return type;
            }
        }

        return s_typeShares[^1].Type;
    }

    private static string MakeName(Random rng, string type) => type switch
    {
        "person" => $"{Pick(rng, s_first)} {Pick(rng, s_last)}",
        "organization" => $"{Pick(rng, s_orgLead)} {Pick(rng, s_orgRoot)} {Pick(rng, s_orgKind)}",
        "project" => $"{Pick(rng, s_animals)} {Pick(rng, s_workstreams)}",
        "place" => $"{Pick(rng, s_cities)} {Pick(rng, s_placeKinds)}",
        "product" => $"{Pick(rng, s_brands)} {Pick(rng, s_productLines)} {(char)('A' + rng.Next(26))}{rng.Next(1, 10) * 100}",
        _ => $"{2020 + rng.Next(7)} {Pick(rng, s_cities)} {Pick(rng, s_eventKinds)}",
    };

    private static string Observation(Random rng, string type, string name, Func<string, string, string> other)
    {
        string Month() => Pick(rng, s_months);
        string Topic() => Pick(rng, s_topics);
        return type switch
        {
            "person" => rng.Next(9) switch
            {
                0 => $"Works at {other("organization", name)} as a {Pick(rng, s_roles)}",
                1 => $"Prefers {Pick(rng, s_preferences)} and {Pick(rng, s_preferences)}",
                2 => $"Met {other("person", name)} at the {other("event", name)}",
                3 => $"Owns the {Topic()} workstream of {other("project", name)}",
                4 => $"Speaks {Pick(rng, s_languages)} and {Pick(rng, s_languages)}",
                5 => $"Allergic to {Pick(rng, s_foods)}; avoid it when ordering lunch",
                6 => $"Based at the {other("place", name)} since {Month()} {2015 + rng.Next(11)}",
                7 => $"Enjoys {Pick(rng, s_hobbies)} on weekends",
                _ => $"Asked for a {Topic()} review before the end of {Month()}",
            },
            "organization" => rng.Next(7) switch
            {
                0 => $"Headquartered in {Pick(rng, s_cities)} with about {50 * (1 + rng.Next(200))} employees",
                1 => $"Customer since {2012 + rng.Next(14)}; contract renewal due in {Month()}",
                2 => $"Main contact is {other("person", name)}",
                3 => $"Uses {Pick(rng, s_brands)} {Pick(rng, s_productLines)} devices for {Topic()}",
                4 => $"Sponsor of {other("project", name)}",
                5 => $"Pays invoices within {15 * (1 + rng.Next(6))} days; disputes go to {other("person", name)}",
                _ => $"Competes with {other("organization", name)} on {Topic()}",
            },
            "project" => rng.Next(7) switch
            {
                0 => $"Deadline is {Month()} {1 + rng.Next(28)}",
                1 => $"Led by {other("person", name)}",
                2 => $"Status is {Pick(rng, s_states)} because of the {Topic()} work",
                3 => $"Budget of {10 * (1 + rng.Next(90))}k EUR approved by {other("person", name)}",
                4 => $"Runs on {Topic()} and {Topic()} infrastructure",
                5 => $"Delivered for {other("organization", name)}",
                _ => $"Next milestone is the {Topic()} handover in {Month()}",
            },
            "place" => rng.Next(5) switch
            {
                0 => $"Opened in {Month()} {2008 + rng.Next(18)} with room for {10 * (1 + rng.Next(40))} people",
                1 => $"Managed by {other("person", name)}",
                2 => $"Badge access needs approval from {other("person", name)}",
                3 => $"Hosts the {Topic()} team and the {Topic()} servers",
                _ => $"Closed on public holidays; parking is behind the {Pick(rng, s_placeKinds)}",
            },
            "product" => rng.Next(5) switch
            {
                0 => $"Made by {other("organization", name)}",
                1 => $"Firmware {1 + rng.Next(9)}.{rng.Next(20)} fixed the {Topic()} bug",
                2 => $"Warranty ends in {Month()} {2025 + rng.Next(4)}",
                3 => $"Deployed at the {other("place", name)}",
                _ => $"Known issue with {Topic()} after long uptime",
            },
            _ => rng.Next(5) switch
            {
                0 => $"Held at the {other("place", name)} in {Month()}",
                1 => $"Organized by {other("person", name)}",
                2 => $"Agenda covered {Topic()} and {Topic()}",
                3 => $"About {10 * (2 + rng.Next(50))} attendees; feedback was {Pick(rng, s_states)}",
                _ => $"Keynote by {other("person", name)} about {Topic()}",
            },
        };
    }

    private static T Pick<T>(Random rng, T[] values) => values[rng.Next(values.Length)];
}
