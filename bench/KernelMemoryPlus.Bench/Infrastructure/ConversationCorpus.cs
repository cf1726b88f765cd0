using System.Globalization;
using System.Text;

namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>One dialog turn of a generated conversation, stored as one memory.</summary>
/// <param name="Content">"Speaker: text", as the LoCoMo harness stores a turn.</param>
/// <param name="Speaker">Who says it.</param>
/// <param name="Conversation">Conversation number (0-based).</param>
/// <param name="Session">Session number within the conversation (1-based).</param>
/// <param name="DiaId">"D{session}:{turn}", like LoCoMo's dialog ids.</param>
/// <param name="OccurredAt">When the turn was said: the session's start plus about a minute per turn.</param>
/// <param name="Fact">For a turn that states a fact: the frame and the slot values it was written from; null for small talk.</param>
internal sealed record ConversationTurn(
    string Content,
    string Speaker,
    int Conversation,
    int Session,
    string DiaId,
    DateTimeOffset OccurredAt,
    TurnFact? Fact)
{
    /// <summary>The engine session id of the turn: conversation and session.</summary>
    public string SessionId => $"c{Conversation.ToString(CultureInfo.InvariantCulture)}-s{Session.ToString(CultureInfo.InvariantCulture)}";
}

/// <summary>The frame and slot values a fact turn was written from, so a question can paraphrase it.</summary>
/// <param name="Frame">Index of the frame.</param>
/// <param name="Slots">Slot values (including the speaker as "S").</param>
internal sealed record TurnFact(int Frame, IReadOnlyDictionary<string, string> Slots);

/// <summary>A question paraphrasing one stored turn.</summary>
/// <param name="Text">The question.</param>
/// <param name="SourceIndex">Index of the turn it asks about.</param>
internal sealed record ConversationQuestion(string Text, int SourceIndex);

/// <summary>
/// A seeded generator of chat conversations in the shape agents store: pairs of people talking over sessions days
/// apart, each session a run of turns with a date and time, about six turns in ten stating a personal fact (a new
/// dog, a trip, a job, a diagnosis, a book …) and the rest small talk. Facts are written from about thirty frames with
/// several wordings each and slot values from a real English vocabulary (cities, dishes, breeds, jobs, authors …);
/// questions about a fact are written from the same slot values but with different words ("puppy" in the turn, "dog"
/// in the question; "flying to Lisbon" vs "travelling to Lisbon"), so answering them takes more than copying words.
/// The same seed gives the same corpus on every machine.
/// </summary>
internal sealed class ConversationCorpus
{
    private static readonly string[] s_people =
    [
        "Maya", "Liam", "Sofia", "Noah", "Amara", "Ethan", "Priya", "Lucas", "Hana", "Mateo", "Chloe", "Omar", "Ingrid",
        "Diego", "Aisha", "Felix", "Yuki", "Gabriel", "Nadia", "Oscar", "Leila", "Henry", "Zara", "Jonas", "Elena",
        "Samuel", "Mei", "Victor", "Fatima", "Hugo", "Clara", "Tariq", "Anika", "Rafael", "Greta", "Kwame", "Isla",
        "Dmitri", "Lucia", "Arjun", "Freya", "Emeka", "Marta", "Kenji", "Rosa", "Tobias", "Layla", "Andre", "Naomi",
        "Pablo", "Sienna", "Ravi", "Alice", "Bruno", "Keiko", "Caleb", "Yasmin", "Nikolai", "Ada", "Malik", "Vera",
        "Elias", "Ines", "Jamal", "Lena", "Marco", "Olga", "Theo", "Beatriz", "Hamid", "Julia", "Sven", "Camila",
        "Rohan", "Astrid", "Idris", "Paula", "Stefan", "Mira", "Connor", "Leticia", "Wei", "Daria", "Kofi", "Emma",
        "Tomas", "Sana", "Patrick", "Noor", "Adrian", "Elif", "Jasper", "Chiara", "Mohammed", "Hazel", "Luca", "Rania",
        "Finn", "Valentina", "Ahmed", "Nora", "Leon", "Sakura", "Declan", "Amelia", "Yusuf", "Carmen", "Oliver", "Dalia",
        "Mikhail", "Grace", "Santiago", "Annika", "Ibrahim", "Lily", "Joaquin", "Selin", "Benjamin", "Thandiwe",
    ];

    private static readonly Dictionary<string, string[]> s_vocabulary = new(StringComparer.Ordinal)
    {
        ["breed"] = ["beagle", "golden retriever", "border collie", "dachshund", "labrador", "corgi", "greyhound", "poodle", "husky", "terrier mix", "shiba inu", "boxer", "spaniel", "whippet", "sheepdog"],
        ["petname"] = ["Biscuit", "Pepper", "Luna", "Milo", "Hazel", "Ziggy", "Olive", "Rocket", "Maple", "Bean", "Clover", "Otis", "Juniper", "Waffles", "Nova", "Pickle", "Scout", "Mochi"],
        ["city"] = ["Lisbon", "Tokyo", "Nairobi", "Toronto", "Madrid", "Oslo", "Seoul", "Lima", "Cairo", "Austin", "Dublin", "Prague", "Mumbai", "Sydney", "Vienna", "Montreal", "Buenos Aires", "Copenhagen", "Hanoi", "Edinburgh", "Marrakesh", "Reykjavik", "Istanbul", "Cape Town", "Kyoto", "Barcelona", "Chicago", "Athens", "Krakow", "Vancouver"],
        ["reason"] = ["a friend's wedding", "a work conference", "a family reunion", "a photography workshop", "a music festival", "a job interview", "my cousin's graduation", "a cooking class", "a marathon", "a research trip"],
        ["job"] = ["nurse", "data analyst", "high school teacher", "graphic designer", "software engineer", "pharmacist", "sous chef", "architect", "social worker", "physiotherapist", "project manager", "librarian", "electrician", "veterinary assistant", "translator", "accountant", "museum curator", "counselor"],
        ["employer"] = ["a children's hospital", "a small design studio", "a public library", "a renewable energy startup", "the city council", "a family-run bakery", "an architecture firm", "a nonprofit for refugees", "a logistics company", "a local newspaper", "a veterinary clinic", "a university lab"],
        ["instrument"] = ["cello", "piano", "violin", "ukulele", "saxophone", "drums", "acoustic guitar", "flute", "trumpet", "harp", "banjo", "clarinet"],
        ["book"] = ["Pride and Prejudice", "Moby-Dick", "Jane Eyre", "Frankenstein", "Middlemarch", "The Odyssey", "Crime and Punishment", "Great Expectations", "Little Women", "Anna Karenina", "Dracula", "Wuthering Heights", "The Count of Monte Cristo", "Don Quixote", "Emma", "War and Peace"],
        ["dish"] = ["mushroom risotto", "chicken tikka masala", "vegetable lasagna", "beef bourguignon", "pad thai", "shakshuka", "paella", "ramen from scratch", "sourdough bread", "lemon tart", "falafel", "butternut squash soup", "dumplings", "moussaka", "jollof rice", "tamales", "carrot cake", "pho"],
        ["condition"] = ["high blood pressure", "back pain", "insomnia", "a knee injury", "migraines", "high cholesterol", "asthma", "an iron deficiency", "tendinitis", "anxiety"],
        ["advice"] = ["cut down on salt", "start swimming twice a week", "stop drinking coffee after noon", "do physical therapy exercises every morning", "take iron supplements", "get more sleep", "walk for thirty minutes a day", "avoid heavy lifting for a month", "try meditation before bed"],
        ["distance"] = ["five-kilometer", "ten-kilometer", "half marathon", "full marathon", "trail"],
        ["racetime"] = ["just under an hour", "two hours and five minutes", "forty-eight minutes", "four hours flat", "a personal best of fifty-two minutes", "three hours and a bit"],
        ["relative"] = ["grandmother", "older brother", "younger sister", "aunt", "uncle", "cousin", "father", "mother", "niece", "nephew", "stepfather", "grandfather"],
        ["hometype"] = ["two-bedroom apartment", "small townhouse", "studio flat", "house with a garden", "loft above a bakery", "cottage"],
        ["neighborhood"] = ["the old town", "the riverside district", "a quiet suburb", "the university area", "the north side", "a village outside the city", "the arts district"],
        ["item"] = ["road bike", "used car", "standing desk", "espresso machine", "secondhand piano", "tent", "pair of hiking boots", "sewing machine", "telescope", "kayak", "laptop", "record player"],
        ["price"] = ["three hundred dollars", "almost two thousand dollars", "a hundred and fifty euros", "way more than I planned", "half the usual price", "eight hundred dollars"],
        ["subject"] = ["pottery", "Spanish", "Japanese", "woodworking", "creative writing", "astronomy", "first aid", "web design", "bookkeeping", "Italian cooking", "sign language", "photography", "statistics"],
        ["org"] = ["animal shelter", "food bank", "community garden", "homeless shelter", "public library", "children's hospital", "senior center", "beach cleanup crew", "youth soccer league"],
        ["helping"] = ["walking the dogs", "sorting donations", "serving meals", "reading to kids", "planting trees", "teaching computer basics", "coaching the under-tens"],
        ["band"] = ["a jazz trio", "an indie folk band", "a symphony orchestra", "a punk band from the nineties", "a flamenco group", "a gospel choir", "a string quartet", "an Afrobeat collective"],
        ["venue"] = ["the open-air theatre", "a tiny basement club", "the concert hall downtown", "the park bandstand", "an old church", "the stadium"],
        ["aspect"] = ["drummer", "lighting", "sound", "crowd", "encore", "singer's voice"],
        ["plant"] = ["tomatoes", "roses", "sunflowers", "strawberries", "basil plants", "tulips", "peppers", "lavender bushes"],
        ["paintsubject"] = ["landscape of the lake", "portrait of our cat", "bowl of lemons", "city skyline at night", "field of poppies", "lighthouse"],
        ["allergen"] = ["peanuts", "shellfish", "gluten", "dairy", "sesame", "eggs", "tree nuts", "soy"],
        ["product"] = ["mobile banking app", "new line of running shoes", "online booking system", "recycling program", "customer support chatbot", "spring catalogue", "electric scooter"],
        ["task"] = ["the user testing", "the marketing plan", "the budget", "hiring the new team", "the supplier contracts", "the training sessions", "quality control"],
        ["cuisine"] = ["Ethiopian", "Korean", "Lebanese", "Peruvian", "Vietnamese", "Georgian", "Sicilian", "Mexican", "Nepalese"],
        ["landmark"] = ["the train station", "the cathedral", "the old market", "the river bridge", "the university campus", "my office"],
        ["skill"] = ["fish", "ride a bike", "bake bread", "swim", "knit", "play chess", "sail", "carve wood", "ski"],
        ["childplace"] = ["lake house", "farm", "beach", "community pool", "kitchen table", "harbor", "cabin in the mountains"],
        ["goal"] = ["run a marathon", "read fifty books", "learn to speak Portuguese", "save for a house", "visit every national park in the region", "get my pilot's license", "finish writing my novel", "climb Mount Kilimanjaro"],
        ["exam"] = ["driving test", "nursing board exam", "bar exam", "accounting certification", "German language exam", "final thesis defense", "scuba diving certification"],
        ["examresult"] = ["on the first try", "with the top score in my group", "after failing it last year", "by just two points", "with distinction"],
        ["month"] = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
        ["bodypart"] = ["ankle", "wrist", "shoulder", "knee", "lower back"],
        ["injuryactivity"] = ["playing basketball", "hiking down a muddy trail", "moving furniture", "skiing", "rock climbing", "dancing at a wedding"],
        ["weeks"] = ["two weeks", "a month", "six weeks", "ten days"],
        ["mountain"] = ["Mount Rainier", "the Dolomites", "Ben Nevis", "Mount Fuji", "the Blue Ridge", "Table Mountain", "the Pyrenees"],
        ["water"] = ["lake", "river", "waterfall", "glacier stream", "sea"],
        ["nights"] = ["two", "three", "four", "five"],
        ["photosubject"] = ["birds", "old buildings", "street markets", "sunsets", "wildflowers", "people on the subway", "the night sky"],
        ["camera"] = ["film camera", "mirrorless camera", "vintage Polaroid", "drone", "telephoto lens"],
        ["group"] = ["book club", "running club", "choir", "chess club", "grief support group", "language exchange group", "climbing team", "knitting circle"],
        ["weekday"] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        ["movie"] = ["a documentary about octopuses", "an old black-and-white western", "a Korean thriller", "a Studio Ghibli film", "a three-hour space epic", "a romantic comedy set in Paris"],
        ["movieverdict"] = ["made me cry", "was way too long", "had the best soundtrack", "kept me guessing until the end", "was better than the book"],
        ["charity"] = ["a children's hospital", "the local animal shelter", "cancer research", "a literacy program", "clean water projects"],
        ["fundraiser"] = ["a bake sale", "a charity run", "an art auction", "a sponsored swim", "a quiz night"],
        ["amount"] = ["two thousand dollars", "five hundred euros", "more than we hoped", "almost a thousand pounds"],
        ["weather"] = ["rainy", "freezing", "unbearably hot", "lovely and sunny", "windy", "grey and gloomy"],
        ["drink"] = ["coffee", "tea", "a glass of wine", "smoothies", "hot chocolate"],
    };

    // A frame: several first-person wordings of one kind of fact, and several questions about it in other words.
    // {a|b} picks one alternative; {slot} a value of the vocabulary (the same value in the turn and its questions);
    // {S} is the speaker, {O} the other person.
    private static readonly (string[] Statements, string[] Questions)[] s_frames =
    [
        (["We {finally|just} adopted a {breed} puppy and named {her|him} {petname}!", "Big news: there's a {breed} puppy called {petname} living with us now.", "I brought home a little {breed} from the shelter {last weekend|on Saturday}, {her|his} name is {petname}."],
         ["What is the name of {S}'s new dog?", "What breed is the dog {S} got?", "Which pet did {S} adopt?"]),
        (["I'm flying to {city} {next month|in two weeks|on Thursday} for {reason}.", "{Guess what|So}, I booked tickets to {city} for {reason}!", "I'll be in {city} {for a week|over the long weekend} because of {reason}."],
         ["Where is {S} travelling for {reason}?", "Why is {S} going to {city}?", "Which city is {S} visiting soon?"]),
        (["I started a new job as a {job} at {employer} {last week|this month}.", "I finally accepted the offer: I'm a {job} at {employer} now.", "My first week as a {job} at {employer} was {exhausting|amazing|a blur}."],
         ["What is {S}'s new position?", "Where does {S} work these days?", "What career change did {S} make?"]),
        (["I've been learning to play the {instrument} {for a few months|since spring}; my teacher says I'm improving.", "I bought a {instrument} and practice every evening now.", "My {instrument} lessons are going {well|slowly}, I can play two songs already."],
         ["Which instrument is {S} studying?", "What musical instrument has {S} taken up?"]),
        (["I just finished reading {book}, {I couldn't put it down|it was slow at first but worth it}.", "I'm rereading {book} for my book club, it's even better the second time.", "Have you read {book}? I finished it last night."],
         ["Which novel did {S} recently complete?", "What book has {S} been reading?"]),
        (["I tried cooking {dish} {for the first time|again} and it turned out {great|a bit salty|better than expected}.", "I made {dish} for dinner {yesterday|on Sunday}, everyone asked for seconds.", "My {relative} taught me {her|his} recipe for {dish}."],
         ["What meal did {S} prepare?", "Which recipe did {S} try making?", "What did {S} cook for dinner?"]),
        (["My doctor told me to {advice} because of my {condition}.", "After the check-up I have to {advice}, it's for my {condition}.", "The physiotherapist said I should {advice}; my {condition} is getting worse."],
         ["What medical advice was {S} given?", "What health problem does {S} have?", "What did the physician recommend to {S}?"]),
        (["I ran a {distance} race in {city} {last weekend|on Sunday} and finished in {racetime}.", "Finished the {distance} race in {city}! My time was {racetime}."],
         ["How long did it take {S} to complete the race in {city}?", "Where did {S} run a race and what was the time?"]),
        (["My {relative} is {visiting|coming to stay} from {city} {next week|for the holidays}.", "We're picking up my {relative} at the airport {tomorrow|on Friday}, {she's|he's} flying in from {city}."],
         ["Which family member is coming to see {S}?", "Who is visiting {S} from {city}?"]),
        (["We're moving into a {hometype} in {neighborhood} {at the end of the month|in the spring}.", "We signed the lease on a {hometype} in {neighborhood}!"],
         ["Where is {S} relocating to?", "What kind of home did {S} rent?"]),
        (["I bought a {item} {yesterday|last week}; it was {price} but worth it.", "Treated myself to a {item}, {price}, no regrets."],
         ["What did {S} purchase recently?", "How much did {S} spend on the {item}?"]),
        (["I signed up for a {subject} course at the community college.", "My {subject} class starts on {weekday}, I'm nervous but excited.", "I'm taking evening classes in {subject} now."],
         ["What class did {S} enroll in?", "Which course is {S} attending?"]),
        (["I volunteered at the {org} {on Saturday|last weekend}, {helping}.", "Every {weekday} I spend the afternoon at the {org}, mostly {helping}."],
         ["Where does {S} do volunteer work?", "What does {S} help with as a volunteer?"]),
        (["We saw {band} live at {venue} {last night|on Friday}; the {aspect} was incredible.", "The concert by {band} at {venue} was the best show I've been to all year."],
         ["Which concert did {S} attend?", "What did {S} think of the live music at {venue}?"]),
        (["My {plant} are finally {blooming|ripening} after all that rain.", "All my {plant} died during the heatwave, I'm heartbroken.", "I planted {plant} in the backyard {this spring|last month}."],
         ["What is growing in {S}'s garden?", "How is {S}'s garden doing?"]),
        (["I painted a {paintsubject} {in watercolor|with acrylics} for my {relative}'s birthday.", "I finished my {paintsubject}, it's going to be a gift for my {relative}."],
         ["What artwork did {S} make as a present?", "What did {S} paint for the {relative}?"]),
        (["I'm allergic to {allergen}, so I always {check the menu twice|ask the waiter first}.", "Please remember no {allergen} for me at the party, I'm really allergic."],
         ["What food can {S} not eat?", "What is {S} allergic to?"]),
        (["My team is launching the {product} {next quarter|in the fall}, and I'm in charge of {task}.", "Work is crazy, I'm responsible for {task} for our {product}."],
         ["What is {S} responsible for at work?", "What product is {S}'s company releasing?"]),
        (["There's a new {cuisine} restaurant near {landmark} that serves the best {dish}.", "We found a {cuisine} place by {landmark}, you have to try their {dish}."],
         ["Which restaurant does {S} recommend?", "Where can you get good {cuisine} food according to {S}?"]),
        (["When I was a kid, my {relative} taught me how to {skill} at the {childplace}.", "I still remember learning to {skill} with my {relative} at the {childplace}."],
         ["Who taught {S} to {skill}?", "What childhood memory did {S} share about the {childplace}?"]),
        (["My goal this year is to {goal}.", "I've decided I'm going to {goal} before I turn forty.", "I made a promise to myself to {goal}."],
         ["What is {S} aiming to achieve this year?", "What personal ambition did {S} mention?"]),
        (["I passed my {exam} {examresult}!", "Good news: the {exam} results came out, I passed {examresult}."],
         ["How did {S} do on the {exam}?", "Which test did {S} pass?"]),
        (["My {relative} is getting married in {city} in {month}.", "We're going to my {relative}'s wedding in {city}, it's in {month}."],
         ["Whose wedding is {S} going to?", "When and where is the wedding {S} mentioned?"]),
        (["I sprained my {bodypart} while {injuryactivity} and have to rest for {weeks}.", "I hurt my {bodypart} {injuryactivity}, the doctor said {weeks} of rest."],
         ["How did {S} get injured?", "What happened to {S}'s {bodypart}?"]),
        (["We hiked up {mountain} and camped by the {water} for {nights} nights.", "Just back from {nights} nights of camping near {mountain}, we slept right next to the {water}."],
         ["Where did {S} go camping?", "How many nights did {S} spend outdoors near {mountain}?"]),
        (["I've been taking photos of {photosubject} with my new {camera}.", "My {camera} arrived, so now I spend weekends photographing {photosubject}."],
         ["What does {S} like to photograph?", "What camera gear did {S} buy?"]),
        (["I joined a {group} that meets every {weekday} evening.", "The {group} I joined meets on {weekday}s, I've made some good friends there."],
         ["What group did {S} become a member of?", "When does {S}'s {group} get together?"]),
        (["We watched {movie} {on Friday|last night}, it {movieverdict}.", "Finally saw {movie}; honestly it {movieverdict}."],
         ["What film did {S} see recently?", "What did {S} think about the movie?"]),
        (["Our neighborhood held {fundraiser} for {charity} and raised {amount}.", "I organized {fundraiser} at work for {charity}, we collected {amount}."],
         ["What charity event was {S} involved in?", "How much money did {S}'s fundraiser raise?"]),
    ];

    private static readonly string[] s_smallTalk =
    [
        "{Hey|Hi|Hello} {O}! {How have you been|Long time no talk|How was your week}?",
        "{That sounds|Sounds} {amazing|like a lot of fun|exhausting|wonderful|really stressful}, {O}. {How did it go|Tell me more|What happened next}?",
        "{Wow|Oh no|Ha|Honestly}, I {can't believe|didn't know} that. {Good for you|Hang in there|That's wild}!",
        "Work has been {pretty hectic|quiet|a bit much} lately, {but I'm managing|so I'm glad it's the weekend|I need a break}.",
        "The weather here has been {weather} all week.",
        "We should catch up over {drink} {soon|next time I'm in town|when things calm down}.",
        "{I'm so proud of you|I'm sorry to hear that|That's great news}, {O}!",
        "{Anyway|By the way}, {how's your family doing|did you ever finish that project|are you still going to the gym}?",
        "{Thanks|Thank you} for asking, {O}. {Things are good|It's been a rollercoaster|I'm doing better now}.",
        "{Take care|Talk soon|Bye for now}, {O}! {Let me know how it goes|Say hi to everyone|Enjoy the weekend}.",
        "I {totally agree|know what you mean|felt the same way} when that happened to me.",
        "{Did you|Have you} {ever tried|thought about} {dish}? {It's my comfort food|You'd love it}.",
        "I've been meaning to {call you|send you those photos|ask about your trip} for ages.",
        "{Haha|Lol}, that's {so typical|hilarious|exactly what I expected}.",
    ];

    private readonly int _seed;

    /// <summary>Creates a generator; the same seed always gives the same corpus.</summary>
    /// <param name="seed">The seed.</param>
    public ConversationCorpus(int seed)
    {
        _seed = seed;
    }

    /// <summary>How many statement frames the generator has (for reports).</summary>
    public static int FrameCount => s_frames.Length;

    /// <summary>The size of the vocabulary the slots draw from (distinct values).</summary>
    public static int SlotValueCount => s_vocabulary.Values.Sum(v => v.Length);

    /// <summary>
    /// Generates exactly <paramref name="turns"/> turns: conversations of 6 to 14 sessions (3 to 21 days apart, between
    /// 2022 and 2025) of 12 to 28 turns each; the last session is cut where the count is reached.
    /// </summary>
    /// <param name="turns">How many turns.</param>
    public List<ConversationTurn> Generate(int turns)
    {
        var rng = new Random(_seed);
        var result = new List<ConversationTurn>(turns);
        var origin = new DateTimeOffset(2022, 1, 3, 0, 0, 0, TimeSpan.Zero);
        for (int conversation = 0; result.Count < turns; conversation++)
        {
            string a = s_people[rng.Next(s_people.Length)];
            string b;
            do
            {
                b = s_people[rng.Next(s_people.Length)];
            }
            while (b == a);

            var at = origin.AddDays(rng.Next(0, 3 * 365)).AddHours(rng.Next(7, 22)).AddMinutes(rng.Next(60));
            int sessions = rng.Next(6, 15);
            for (int session = 1; session <= sessions && result.Count < turns; session++)
            {
                int length = rng.Next(12, 29);
                var turnTime = at;
                for (int turn = 1; turn <= length && result.Count < turns; turn++)
                {
                    string speaker = turn % 2 == 1 ? a : b;
                    string other = turn % 2 == 1 ? b : a;
                    var slots = new Dictionary<string, string>(StringComparer.Ordinal) { ["S"] = speaker, ["O"] = other };
                    string text;
                    TurnFact? fact = null;
                    if (rng.NextDouble() < 0.6)
                    {
                        int frame = rng.Next(s_frames.Length);
                        text = Expand(Pick(rng, s_frames[frame].Statements), rng, slots);
                        fact = new TurnFact(frame, slots);
                    }
                    else
                    {
                        text = Expand(Pick(rng, s_smallTalk), rng, slots);
                    }

                    result.Add(new ConversationTurn(
                        $"{speaker}: {text}",
                        speaker,
                        conversation,
                        session,
                        $"D{session.ToString(CultureInfo.InvariantCulture)}:{turn.ToString(CultureInfo.InvariantCulture)}",
                        turnTime,
                        fact));
                    turnTime = turnTime.AddSeconds(rng.Next(20, 150));
                }

                at = at.AddDays(rng.Next(3, 22)).AddHours(rng.Next(-5, 6));
            }
        }

        return result;
    }

    /// <summary>
    /// Generates questions about random fact turns of <paramref name="turns"/>: one of the frame's questions with the
    /// turn's own slot values, worded differently from the turn.
    /// </summary>
    /// <param name="turns">The stored turns.</param>
    /// <param name="count">How many questions.</param>
    /// <param name="streamSeed">Separates independent question sets (warm-up and measured).</param>
    public List<ConversationQuestion> Questions(IReadOnlyList<ConversationTurn> turns, int count, int streamSeed)
    {
        var facts = new List<int>();
        for (int i = 0; i < turns.Count; i++)
        {
            if (turns[i].Fact is not null)
            {
                facts.Add(i);
            }
        }

        if (facts.Count == 0)
        {
            throw new BenchException("The corpus has no fact turns to ask about; use a larger --n.");
        }

        var rng = new Random(Seeds.Mix(_seed, streamSeed, 0x0c0a));
        var questions = new List<ConversationQuestion>(count);
        for (int i = 0; i < count; i++)
        {
            int source = facts[rng.Next(facts.Count)];
            var fact = turns[source].Fact!;
            var slots = new Dictionary<string, string>(fact.Slots, StringComparer.Ordinal);
            questions.Add(new ConversationQuestion(Expand(Pick(rng, s_frames[fact.Frame].Questions), rng, slots), source));
        }

        return questions;
    }

    /// <summary>
    /// Fills a template: <c>{a|b}</c> picks an alternative (which may itself hold slots), <c>{slot}</c> the value bound
    /// in <paramref name="slots"/> or, when unbound, a new vocabulary value that is then bound.
    /// </summary>
    private static string Expand(string template, Random rng, Dictionary<string, string> slots)
    {
        var text = Fill(template, rng, slots);

        // Capitalize the first letter (a template may start with a slot or an alternative).
        return text.Length > 0 && char.IsLower(text[0]) ? char.ToUpperInvariant(text[0]) + text[1..] : text;
    }

    private static string Fill(string template, Random rng, Dictionary<string, string> slots)
    {
        var sb = new StringBuilder(template.Length + 32);
        int i = 0;
        while (i < template.Length)
        {
            char c = template[i];
            if (c != '{')
            {
                sb.Append(c);
                i++;
                continue;
            }

            int close = template.IndexOf('}', i);
            var body = template[(i + 1)..close];
            i = close + 1;
            if (body.Contains('|', StringComparison.Ordinal))
            {
                var options = body.Split('|');
                sb.Append(Fill(options[rng.Next(options.Length)], rng, slots));
            }
            else if (slots.TryGetValue(body, out var bound))
            {
                sb.Append(bound);
            }
            else if (s_vocabulary.TryGetValue(body, out var values))
            {
                var value = values[rng.Next(values.Length)];
                slots[body] = value;
                sb.Append(value);
            }
            else
            {
                throw new InvalidOperationException($"Unknown slot '{body}' in a corpus template.");
            }
        }

        return sb.ToString();
    }

    private static T Pick<T>(Random rng, T[] values) => values[rng.Next(values.Length)];
}
