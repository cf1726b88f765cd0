using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using KernelMemoryPlus.Bench.Infrastructure;
using KernelMemoryPlus.Bench.Locomo;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace KernelMemoryPlus.Bench.Commands;

/// <summary>The options of <c>locomo</c>.</summary>
/// <param name="Data">The folder of conversation files.</param>
/// <param name="Ks">The recall cut-offs, ascending.</param>
/// <param name="Store">sqlite or inmemory.</param>
/// <param name="OllamaEndpoint">An Ollama server to embed with instead of the offline embedder, or null.</param>
/// <param name="OllamaModel">The Ollama embedding model.</param>
/// <param name="Json">Where to write the JSON report, or null.</param>
/// <param name="Details">Where to write one JSON line per question (ranks of its evidence), or null.</param>
/// <param name="Weights">Retrieval weights to use instead of the engine defaults, or null.</param>
internal sealed record LocomoSettings(string Data, IReadOnlyList<int> Ks, string Store, string? OllamaEndpoint, string OllamaModel, string? Json, string? Details, RetrievalWeights? Weights);

/// <summary>
/// <c>locomo</c>: the LoCoMo retrieval evaluation (Maharana et al., ACL 2024). Every dialog turn of each conversation
/// is stored as an episodic memory in a fresh namespace through the engine's public API; every question with evidence
/// recalls the top k; recall@k is the fraction of the question's evidence turns among them, averaged over questions.
/// </summary>
/// <remarks>
/// The engine runs with its default settings; only <see cref="RecallQuery.TrackAccess"/> is off, so one question's
/// recall does not change the access statistics (and therefore the ranking) seen by the next.
/// </remarks>
internal static class LocomoCommand
{
    /// <summary>The paper's DRAGON retriever over dialog turns (Table 3, all categories), for comparison.</summary>
    private static readonly Dictionary<int, double> s_dragon = new() { [5] = 0.588, [10] = 0.675, [25] = 0.799, [50] = 0.848 };

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data")
        {
            Description = "Folder of LoCoMo conversation files (*.json, one conversation each, locomo10 format).",
            HelpName = "DIR",
            Required = true,
        };
        var ks = new Option<string>("--k")
        {
            Description = "Comma-separated recall cut-offs.",
            DefaultValueFactory = _ => "5,10,25,50",
        };
        ks.Validators.Add(result =>
        {
            try
            {
                ParseKs(result.GetValueOrDefault<string>());
            }
            catch (BenchException ex)
            {
                result.AddError(ex.Message);
            }
            catch (InvalidOperationException)
            {
                // Conversion errors are reported by System.CommandLine itself.
            }
        });
        var store = CommonOptions.Choice("--store", "Store behind the engine: sqlite (the default product setup, a scratch file) or inmemory.", "sqlite", "sqlite", "inmemory");
        var ollama = new Option<string?>("--ollama")
        {
            Description = "Embed with an Ollama server at this URL (e.g. http://localhost:11434) instead of the offline embedder.",
            HelpName = "URL",
        };
        var ollamaModel = new Option<string>("--ollama-model")
        {
            Description = "The Ollama embedding model (with --ollama).",
            DefaultValueFactory = _ => OllamaEmbeddingOptions.DefaultModel,
        };
        var json = CommonOptions.Json();
        var details = new Option<string?>("--details")
        {
            Description = "Also write one JSON line per question (conversation, category, question, rank of each evidence turn) to FILE.",
            HelpName = "FILE",
        };

        var weights = new Option<string?>("--weights")
        {
            Description = "Override retrieval weights for an experiment, e.g. \"vector=0.5,keyword=1,fuzzy=0\" (names of RetrievalWeights: relevance, recency, importance, frequency, vector, keyword, fuzzy, time). Default: the engine's defaults.",
            HelpName = "NAME=VALUE,...",
        };
        weights.Validators.Add(result =>
        {
            try
            {
                ParseWeights(result.GetValueOrDefault<string?>());
            }
            catch (BenchException ex)
            {
                result.AddError(ex.Message);
            }
            catch (InvalidOperationException)
            {
            }
        });

        var command = new Command("locomo", "LoCoMo retrieval: recall@k of the evidence turns for every question with evidence, overall and by category.")
        {
            data, ks, store, ollama, ollamaModel, json, details, weights,
        };
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(
            "locomo",
            ct => RunAsync(
                new LocomoSettings(
                    parse.GetValue(data)!,
                    ParseKs(parse.GetValue(ks)),
                    parse.GetValue(store)!,
                    parse.GetValue(ollama),
                    parse.GetValue(ollamaModel)!,
                    parse.GetValue(json),
                    parse.GetValue(details),
                    ParseWeights(parse.GetValue(weights))),
                ct),
            cancellationToken));
        return command;
    }

    /// <summary>Runs the evaluation.</summary>
    /// <param name="settings">Options.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    public static async Task<int> RunAsync(LocomoSettings settings, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var wall = Stopwatch.StartNew();
        var conversations = LocomoConversation.LoadFolder(settings.Data);
        var machine = MachineDescription.Current();
        ConsoleReport.Machine(machine);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"{conversations.Count} conversations, {conversations.Sum(c => c.TurnCount):N0} turns, {conversations.Sum(c => c.Questions.Count):N0} questions with evidence"
            + $" ({conversations.Sum(c => c.QuestionsWithoutEvidence)} without, skipped; {conversations.Sum(c => c.EvidenceIgnored.Count)} evidence ids that name no turn, ignored)"));

        using var folder = new ScratchFolder();
        var services = new ServiceCollection();
        var builder = services.AddKernelMemoryPlus(o =>
        {
            if (settings.Weights is not null)
            {
                o.Weights = settings.Weights;
            }
        });
        if (settings.Store == "sqlite")
        {
            builder.UseSqlite(Path.Combine(folder.Path, "locomo.db"));
        }
        else
        {
            builder.UseInMemory();
        }

        if (settings.OllamaEndpoint is not null)
        {
            builder.UseOllamaEmbeddings(o =>
            {
                o.Endpoint = settings.OllamaEndpoint;
                o.Model = settings.OllamaModel;
            });
        }
        else
        {
            builder.UseOfflineEmbeddings();
        }

        await using var provider = services.BuildServiceProvider();
        var engine = provider.GetRequiredService<MemoryEngine>();
        await engine.InitializeAsync(cancellationToken);
        var model = await engine.GetEmbeddingModelAsync(cancellationToken);
        var generator = provider.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(KernelMemoryPlusBuilder.ServiceKey);
        string providerName = generator.GetService<EmbeddingGeneratorMetadata>()?.ProviderName ?? "unknown";
        string embedder = $"{model.ModelId} ({model.Dimensions} dimensions, {providerName})";

        int maxK = settings.Ks[^1];
        var scores = new RecallAtK(settings.Ks);
        var perConversation = new List<object>();
        var queryMs = new List<double>();
        double ingestSeconds = 0;
        await using var detailWriter = settings.Details is null ? null : new StreamWriter(settings.Details, append: false);

        await ConsoleReport.Progress().StartAsync(async ctx =>
        {
            foreach (var conversation in conversations)
            {
                string ns = "locomo-" + Sanitize(conversation.Name);
                var ingest = ctx.AddTask(Markup.Escape($"{conversation.Name}: store {conversation.TurnCount} turns"), maxValue: conversation.TurnCount);
                long t0 = Stopwatch.GetTimestamp();
                var idToDia = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var session in conversation.Sessions)
                {
                    // One batch per session: the turns in order, all at the session's date and time.
                    var batch = session.Turns.Select(turn => new NewMemory
                    {
                        Namespace = ns,
                        Content = Content(turn),
                        Kind = MemoryKind.Episodic,
                        SessionId = $"session_{session.Number}",
                        OccurredAt = session.DateTime,
                        Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["dia_id"] = turn.DiaId, ["speaker"] = turn.Speaker },
                    }).ToList();
                    var stored = await engine.RememberManyAsync(batch, cancellationToken);
                    foreach (var record in stored)
                    {
                        idToDia[record.Id] = record.Metadata["dia_id"];
                    }

                    ingest.Increment(batch.Count);
                }

                ingestSeconds += Stats.Ms(t0, Stopwatch.GetTimestamp()) / 1000.0;
                ingest.StopTask();

                // Warm-up (not scored or timed) so the first conversation's timings do not include JIT compilation.
                if (queryMs.Count == 0)
                {
                    foreach (var question in conversation.Questions.Take(50))
                    {
                        await engine.RecallAsync(Query(ns, question.Text, maxK), cancellationToken);
                    }
                }

                var task = ctx.AddTask(Markup.Escape($"{conversation.Name}: {conversation.Questions.Count} questions"), maxValue: conversation.Questions.Count);
                var own = new RecallAtK(settings.Ks);
                foreach (var question in conversation.Questions)
                {
                    long q0 = Stopwatch.GetTimestamp();
                    var results = await engine.RecallAsync(Query(ns, question.Text, maxK), cancellationToken);
                    queryMs.Add(Stats.Ms(q0, Stopwatch.GetTimestamp()));
                    var ranked = results.Select(r => idToDia.GetValueOrDefault(r.Memory.Id) ?? r.Memory.Metadata.GetValueOrDefault("dia_id") ?? string.Empty).ToList();
                    scores.Add(question.Category, question.Evidence, ranked);
                    own.Add(question.Category, question.Evidence, ranked);
                    if (detailWriter is not null)
                    {
                        await detailWriter.WriteLineAsync(JsonSerializer.Serialize(new
                        {
                            conversation = conversation.Name,
                            category = question.Category,
                            question = question.Text,
                            evidence = question.Evidence.Select(e => new { id = e, rank = ranked.IndexOf(e) is int r and >= 0 ? r + 1 : (int?)null }),
                            top = ranked,
                            scores = results.Select(r => Math.Round(r.Score, 5)),
                        }));
                    }

                    task.Increment(1);
                }

                task.StopTask();
                perConversation.Add(new { conversation = conversation.Name, turns = conversation.TurnCount, questions = own.Questions, recall = own.Overall() });
            }
        });

        var overall = scores.Overall();
        var byCategory = scores.ByCategory();
        var withoutAdversarial = scores.Over(new HashSet<int> { 1, 2, 3, 4 });
        var latency = LatencySummary.FromMilliseconds(queryMs);
        double msPerQuery = Math.Round(latency.MeanMs, 3);
        Print(settings, scores, overall, byCategory, withoutAdversarial, latency, embedder);

        string tenKey = 10.ToString(CultureInfo.InvariantCulture);
        var targets = new List<TargetCheck>();
        if (overall.TryGetValue(tenKey, out var r10) && settings.OllamaEndpoint is null)
        {
            targets.Add(new TargetCheck("LoCoMo recall@10, all categories, offline embedder", "≥ 0.78", r10, "", r10 >= 0.78));
        }

        ConsoleReport.Targets(targets);

        var report = new LocomoReport(
            scores.Questions,
            overall,
            byCategory,
            embedder,
            msPerQuery,
            "locomo",
            started,
            Math.Round(wall.Elapsed.TotalSeconds, 1),
            machine,
            new
            {
                Data = Path.GetFullPath(settings.Data),
                Files = conversations.Select(c => c.Name).ToList(),
                K = settings.Ks,
                settings.Store,
                Ollama = settings.OllamaEndpoint is null ? null : new { Endpoint = settings.OllamaEndpoint, Model = settings.OllamaModel },
                Weights = settings.Weights,
                Engine = (settings.Weights is null ? "KernelMemoryPlusOptions defaults" : "KernelMemoryPlusOptions defaults except Weights") + "; RecallQuery with Limit = largest k, TrackAccess = false, Explain = false",
                Memory = "one episodic memory per dialog turn: \"speaker: text\" plus \" [image: caption]\" when the turn has one; SessionId session_N; OccurredAt = the session's date-time (UTC); metadata dia_id, speaker",
            },
            new
            {
                QuestionsByCategory = scores.QuestionsByCategory(),
                RecallCategories1To4 = withoutAdversarial,
                QuestionsWithoutEvidence = conversations.Sum(c => c.QuestionsWithoutEvidence),
                EvidenceIdsIgnored = conversations.SelectMany(c => c.EvidenceIgnored.Select(e => $"{c.Name}: {e}")).ToList(),
                Turns = conversations.Sum(c => c.TurnCount),
                IngestSeconds = Math.Round(ingestSeconds, 2),
                QueryLatency = latency,
                PerConversation = perConversation,
                Dragon = s_dragon.Where(d => settings.Ks.Contains(d.Key)).ToDictionary(d => d.Key.ToString(CultureInfo.InvariantCulture), d => d.Value),
            },
            targets);
        if (settings.Json is not null)
        {
            await LocomoReport.WriteAsync(settings.Json, report, cancellationToken);
            AnsiConsole.MarkupLine($"[grey]JSON written to {Markup.Escape(Path.GetFullPath(settings.Json))}[/]");
        }

        return 0;
    }

    private static RecallQuery Query(string ns, string text, int limit) => new()
    {
        Namespace = ns,
        Text = text,
        Limit = limit,
        TrackAccess = false,
        Explain = false,
    };

    /// <summary>What is stored for a turn: who said what, and the caption of an image shared with it.</summary>
    private static string Content(LocomoTurn turn) => turn.ImageCaption is null
        ? $"{turn.Speaker}: {turn.Text}"
        : $"{turn.Speaker}: {turn.Text} [image: {turn.ImageCaption}]";

    private static string Sanitize(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_').ToArray();
        var s = new string(chars).Replace("..", "_", StringComparison.Ordinal);
        return s.Length > 100 ? s[..100] : s;
    }

    /// <summary>Parses "vector=0.5,fuzzy=0" into weights (the rest default), or null for none.</summary>
    private static RetrievalWeights? ParseWeights(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var weights = new RetrievalWeights();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pieces.Length != 2 || !double.TryParse(pieces[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || double.IsNaN(value) || value < 0 || value > 100)
            {
                throw new BenchException($"--weights: '{part}' is not NAME=VALUE with a value between 0 and 100.");
            }

            weights = pieces[0].ToLowerInvariant() switch
            {
                "relevance" => weights with { Relevance = value },
                "recency" => weights with { Recency = value },
                "importance" => weights with { Importance = value },
                "frequency" => weights with { Frequency = value },
                "vector" => weights with { Vector = value },
                "keyword" => weights with { Keyword = value },
                "fuzzy" => weights with { Fuzzy = value },
                "time" => weights with { Time = value },
                _ => throw new BenchException($"--weights: unknown weight '{pieces[0]}'; use relevance, recency, importance, frequency, vector, keyword, fuzzy or time."),
            };
        }

        return weights;
    }

    /// <summary>Parses "5,10,25,50" into ascending distinct positive integers.</summary>
    private static List<int> ParseKs(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new BenchException("--k needs at least one cut-off, e.g. 5,10,25,50.");
        }

        var ks = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1 || k > 1000)
            {
                throw new BenchException($"--k: '{part}' is not a whole number between 1 and 1000.");
            }

            ks.Add(k);
        }

        return ks.Distinct().Order().ToList();
    }

    private static void Print(
        LocomoSettings settings,
        RecallAtK scores,
        Dictionary<string, double> overall,
        Dictionary<string, Dictionary<string, double>> byCategory,
        Dictionary<string, double> withoutAdversarial,
        LatencySummary latency,
        string embedder)
    {
        var names = new Dictionary<string, string> { ["1"] = "multi-hop", ["2"] = "temporal", ["3"] = "open-domain", ["4"] = "single-hop", ["5"] = "adversarial" };
        var counts = scores.QuestionsByCategory();
        var table = new Table().Border(TableBorder.Rounded)
            .Title(Markup.Escape($"LoCoMo recall@k ({embedder})"))
            .Caption(Markup.Escape($"recall of a question = share of its evidence turns in the top k; mean over questions. {latency.MeanMs:0.000} ms/query (p50 {latency.P50Ms:0.000}, p99 {latency.P99Ms:0.000})."));
        table.AddColumn("category");
        table.AddColumn(new TableColumn("questions").RightAligned());
        foreach (var k in settings.Ks)
        {
            table.AddColumn(new TableColumn($"R@{k}").RightAligned());
        }

        void Row(string label, int n, Dictionary<string, double> values, bool bold = false)
        {
            var cells = new List<string> { Markup.Escape(label), n.ToString("N0", CultureInfo.InvariantCulture) };
            cells.AddRange(settings.Ks.Select(k => values[k.ToString(CultureInfo.InvariantCulture)].ToString("0.000", CultureInfo.InvariantCulture)).Select(v => bold ? $"[bold]{v}[/]" : v));
            table.AddRow(cells.ToArray());
        }

        foreach (var (category, values) in byCategory)
        {
            Row($"{category} {names.GetValueOrDefault(category, string.Empty)}", counts[category], values);
        }

        Row("1-4 (without adversarial)", counts.Where(c => c.Key is "1" or "2" or "3" or "4").Sum(c => c.Value), withoutAdversarial);
        Row("all", scores.Questions, overall, bold: true);
        var dragon = new List<string> { "DRAGON (paper, all)", string.Empty };
        dragon.AddRange(settings.Ks.Select(k => s_dragon.TryGetValue(k, out var d) ? d.ToString("0.000", CultureInfo.InvariantCulture) : "-"));
        table.AddRow(dragon.Select(Markup.Escape).ToArray());
        AnsiConsole.Write(table);
    }
}
