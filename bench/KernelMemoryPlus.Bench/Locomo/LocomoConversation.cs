using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using KernelMemoryPlus.Bench.Infrastructure;

namespace KernelMemoryPlus.Bench.Locomo;

/// <summary>One dialog turn of a LoCoMo conversation.</summary>
/// <param name="DiaId">The turn's id, <c>D&lt;session&gt;:&lt;turn&gt;</c>.</param>
/// <param name="Speaker">Who spoke.</param>
/// <param name="Text">What was said.</param>
/// <param name="ImageCaption">The caption of an image shared with the turn, or null.</param>
internal sealed record LocomoTurn(string DiaId, string Speaker, string Text, string? ImageCaption);

/// <summary>One session: its number, when it took place, its turns in order.</summary>
/// <param name="Number">The N of <c>session_N</c>.</param>
/// <param name="DateTime">The session's date and time (read as UTC: the files carry no time zone).</param>
/// <param name="Turns">The turns in order.</param>
internal sealed record LocomoSession(int Number, DateTimeOffset DateTime, IReadOnlyList<LocomoTurn> Turns);

/// <summary>A question with its evidence turns.</summary>
/// <param name="Text">The question.</param>
/// <param name="Category">1 multi-hop, 2 temporal, 3 open-domain, 4 single-hop, 5 adversarial.</param>
/// <param name="Evidence">The dia_ids of the turns that answer it (only ids of turns that exist).</param>
internal sealed record LocomoQuestion(string Text, int Category, IReadOnlyList<string> Evidence);

/// <summary>
/// One LoCoMo conversation file (the format of snap-research/locomo <c>locomo10</c>): speakers, sessions
/// (<c>session_N</c> with <c>session_N_date_time</c>) and questions (<c>qa</c>). Annotator summaries, observations
/// and events are not read: the benchmark stores the dialog turns only.
/// </summary>
/// <param name="Name">The file name without extension.</param>
/// <param name="Sessions">Sessions with turns, by number.</param>
/// <param name="Questions">Questions that have at least one evidence turn.</param>
/// <param name="QuestionsWithoutEvidence">Questions skipped because no evidence id names a turn of the file.</param>
/// <param name="EvidenceIgnored">Evidence ids that name no turn of the file (annotation slips such as "D"), left out.</param>
internal sealed partial record LocomoConversation(
    string Name,
    IReadOnlyList<LocomoSession> Sessions,
    IReadOnlyList<LocomoQuestion> Questions,
    int QuestionsWithoutEvidence,
    IReadOnlyList<string> EvidenceIgnored)
{
    private static readonly string[] s_dateFormats =
    [
        "h:mm tt 'on' d MMMM, yyyy",
        "h:mm tt 'on' d MMMM yyyy",
        "h:mm tt 'on' d MMM, yyyy",
        "h:mm tt 'on' MMMM d, yyyy",
    ];

    /// <summary>The number of turns.</summary>
    public int TurnCount => Sessions.Sum(s => s.Turns.Count);

    /// <summary>Reads every <c>*.json</c> file of a folder, in name order.</summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="BenchException">The folder is missing, has no JSON file, or a file is not in the format.</exception>
    public static IReadOnlyList<LocomoConversation> LoadFolder(string folder)
    {
        if (!Directory.Exists(folder))
        {
            throw new BenchException($"--data: the folder '{folder}' does not exist.");
        }

        var files = Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            throw new BenchException($"--data: the folder '{folder}' holds no .json file (one LoCoMo conversation per file is expected).");
        }

        return files.Select(Load).ToList();
    }

    /// <summary>Reads one conversation file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="BenchException">The file is not JSON or not in the LoCoMo format; the message names the file and the field.</exception>
    public static LocomoConversation Load(string path)
    {
        string name = Path.GetFileName(path);
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new BenchException($"{path}: not valid JSON ({ex.Message}).");
        }
        catch (IOException ex)
        {
            throw new BenchException($"{path}: cannot be read ({ex.Message}).");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new BenchException($"{path}: cannot be read ({ex.Message}).");
        }

        using (document)
        {
            try
            {
                return Parse(Path.GetFileNameWithoutExtension(path), document.RootElement);
            }
            catch (FormatException ex)
            {
                throw new BenchException($"{path}: {ex.Message}");
            }
            catch (InvalidOperationException ex)
            {
                // JsonElement accessors throw this on an unexpected value kind.
                throw new BenchException($"{path} ({name}): unexpected JSON shape ({ex.Message}).");
            }
        }
    }

    private static LocomoConversation Parse(string name, JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the top level must be an object with session_N, session_N_date_time and qa fields.");
        }

        var sessions = new List<LocomoSession>();
        foreach (var property in root.EnumerateObject())
        {
            var match = SessionKey().Match(property.Name);
            if (!match.Success)
            {
                continue;
            }

            int number = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
            if (property.Value.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"'{property.Name}' must be a list of turns.");
            }

            if (!root.TryGetProperty($"session_{number}_date_time", out var when) || when.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"'{property.Name}' has no 'session_{number}_date_time' string.");
            }

            var turns = new List<LocomoTurn>();
            int index = 0;
            foreach (var turn in property.Value.EnumerateArray())
            {
                index++;
                string where = $"{property.Name}[{index - 1}]";
                if (turn.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{where} must be an object with speaker, dia_id and text.");
                }

                string diaId = RequiredString(turn, "dia_id", where);
                string speaker = RequiredString(turn, "speaker", where);
                string text = turn.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
                string? caption = turn.TryGetProperty("blip_caption", out var c) && c.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(c.GetString())
                    ? c.GetString()!.Trim()
                    : null;
                if (string.IsNullOrWhiteSpace(text) && caption is null)
                {
                    // Nothing to remember (never seen in the published files); the turn cannot be retrieved.
                    continue;
                }

                turns.Add(new LocomoTurn(diaId, speaker, text.Trim(), caption));
            }

            if (turns.Count > 0)
            {
                sessions.Add(new LocomoSession(number, ParseDate(when.GetString()!, $"session_{number}_date_time"), turns));
            }
        }

        if (sessions.Count == 0)
        {
            throw new FormatException("no session_N list of turns found; is this a LoCoMo conversation file?");
        }

        sessions.Sort((a, b) => a.Number.CompareTo(b.Number));
        var known = sessions.SelectMany(s => s.Turns).Select(t => t.DiaId).ToHashSet(StringComparer.Ordinal);

        if (!root.TryGetProperty("qa", out var qa) || qa.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("no 'qa' list of questions.");
        }

        var questions = new List<LocomoQuestion>();
        var ignored = new List<string>();
        int withoutEvidence = 0;
        int i = 0;
        foreach (var item in qa.EnumerateArray())
        {
            string where = $"qa[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{where} must be an object with question, evidence and category.");
            }

            string question = RequiredString(item, "question", where);
            if (!item.TryGetProperty("category", out var cat) || !cat.TryGetInt32(out int category))
            {
                throw new FormatException($"{where} has no integer 'category'.");
            }

            var evidence = new List<string>();
            if (item.TryGetProperty("evidence", out var ev) && ev.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in ev.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.String)
                    {
                        continue;
                    }

                    // Some annotations hold several ids in one string ("D8:6; D9:17") or a stray colon ("D:11:26").
                    foreach (var part in EvidenceSeparator().Split(e.GetString()!))
                    {
                        if (part.Length == 0)
                        {
                            continue;
                        }

                        string id = StrayColon().Replace(part, "D$1:");
                        if (known.Contains(id))
                        {
                            if (!evidence.Contains(id, StringComparer.Ordinal))
                            {
                                evidence.Add(id);
                            }
                        }
                        else
                        {
                            ignored.Add(part);
                        }
                    }
                }
            }

            if (evidence.Count == 0)
            {
                withoutEvidence++;
                continue;
            }

            questions.Add(new LocomoQuestion(question, category, evidence));
        }

        return new LocomoConversation(name, sessions, questions, withoutEvidence, ignored);
    }

    private static string RequiredString(JsonElement element, string property, string where)
    {
        if (!element.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            throw new FormatException($"{where} has no '{property}' string.");
        }

        return value.GetString()!.Trim();
    }

    private static DateTimeOffset ParseDate(string text, string field)
    {
        if (DateTime.TryParseExact(text.Trim(), s_dateFormats, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out var exact)
            || DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out exact))
        {
            return new DateTimeOffset(DateTime.SpecifyKind(exact, DateTimeKind.Unspecified), TimeSpan.Zero);
        }

        throw new FormatException($"'{field}' is '{text}', not a date such as '1:56 pm on 8 May, 2023'.");
    }

    [GeneratedRegex(@"^session_(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex SessionKey();

    [GeneratedRegex(@"[\s;,]+", RegexOptions.CultureInvariant)]
    private static partial Regex EvidenceSeparator();

    [GeneratedRegex(@"^D:(\d+):", RegexOptions.CultureInvariant)]
    private static partial Regex StrayColon();
}
