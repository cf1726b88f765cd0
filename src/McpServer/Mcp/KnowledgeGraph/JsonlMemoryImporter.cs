using System.Globalization;
using System.Text;
using System.Text.Json;
using KernelMemoryPlus.Server.Mcp.Contracts;
using ModelContextProtocol;

namespace KernelMemoryPlus.Server.Mcp.KnowledgeGraph;

/// <summary>
/// Imports the JSONL memory file of the reference MCP memory server (<c>@modelcontextprotocol/server-memory</c>):
/// one JSON object per line, <c>{"type":"entity","name":..,"entityType":..,"observations":[..]}</c> or
/// <c>{"type":"relation","from":..,"to":..,"relationType":..}</c>. Entities become semantic entities of the
/// namespace, observations multi-valued "observation" facts, relations typed links between the entities.
/// </summary>
/// <remarks>
/// The import goes on past bad lines: each malformed or rejected line is reported with its number and the rest is
/// imported. Entities are imported before relations, so a relation may come before the entities it names. Importing
/// the same file twice adds nothing the second time. Thread safety: instances are stateless and may be shared.
/// </remarks>
public sealed class JsonlMemoryImporter
{
    /// <summary>Longest line accepted, in characters.</summary>
    public const int MaxLineLength = 1_048_576;

    private readonly KnowledgeGraphStore _graph;

    /// <summary>Creates an importer over the engine.</summary>
    /// <param name="engine">The memory engine.</param>
    /// <param name="semantic">The engine's semantic memory.</param>
    public JsonlMemoryImporter(MemoryEngine engine, SemanticMemory semantic)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(semantic);
        _graph = new KnowledgeGraphStore(engine, semantic);
    }

    /// <summary>Imports a JSONL memory file into a namespace.</summary>
    /// <param name="stream">The file's content (UTF-8; a byte order mark is skipped).</param>
    /// <param name="ns">The namespace to import into.</param>
    /// <param name="cancellationToken">Cancellation token.</param>
    /// <returns>Counts, and the lines that could not be imported.</returns>
    /// <exception cref="MemoryValidationException">The namespace is invalid.</exception>
    public async Task<JsonlImportResult> ImportAsync(Stream stream, string ns, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var snapshot = await _graph.LoadAsync(ns, null, includeExpired: false, cancellationToken);
        var entities = new List<(int Line, GraphEntity Entity)>();
        var relations = new List<(int Line, GraphRelation Relation)>();
        var errors = new List<JsonlImportError>();
        int lines = 0;
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 16 * 1024, leaveOpen: true))
        {
            int number = 0;
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                lines++;
                try
                {
                    switch (Parse(line))
                    {
                        case GraphEntity entity:
                            entities.Add((number, entity));
                            break;
                        case GraphRelation relation:
                            relations.Add((number, relation));
                            break;
                    }
                }
                catch (Exception ex) when (ex is JsonException or McpException)
                {
                    errors.Add(new JsonlImportError(number, ex is JsonException ? $"Not a JSON object: {FirstSentence(ex.Message)}" : ex.Message));
                }
            }
        }

        int created = 0, merged = 0, observations = 0, related = 0, skipped = 0;
        foreach (var (line, entity) in entities)
        {
            try
            {
                if (snapshot.EntityByKey.TryGetValue(GraphSnapshot.Key(entity.Name), out var existing))
                {
                    observations += (await _graph.AddObservationsToAsync(ns, existing, entity.Observations, cancellationToken)).Count;
                    merged++;
                }
                else if (await _graph.CreateEntityAsync(snapshot, ns, entity, cancellationToken) is { } made)
                {
                    observations += made.Observations.Count;
                    created++;
                }
            }
            catch (Exception ex) when (ex is MemoryValidationException or McpException)
            {
                errors.Add(new JsonlImportError(line, ex.Message));
            }
        }

        foreach (var (line, relation) in relations)
        {
            try
            {
                if (await _graph.CreateRelationAsync(snapshot, ns, relation, cancellationToken))
                {
                    related++;
                }
                else
                {
                    skipped++;
                }
            }
            catch (Exception ex) when (ex is MemoryValidationException or MemoryNotFoundException or McpException)
            {
                errors.Add(new JsonlImportError(line, ex.Message));
            }
        }

        return new JsonlImportResult
        {
            Lines = lines,
            EntitiesCreated = created,
            EntitiesMerged = merged,
            ObservationsAdded = observations,
            RelationsCreated = related,
            RelationsSkipped = skipped,
            Errors = errors.OrderBy(e => e.Line).ToList(),
        };
    }

    private object Parse(string line)
    {
        if (line.Length > MaxLineLength)
        {
            throw new McpException($"The line is {line.Length.ToString(CultureInfo.InvariantCulture)} characters long; at most {MaxLineLength.ToString(CultureInfo.InvariantCulture)} are allowed.");
        }

        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new McpException($"Expected a JSON object, found {Describe(root.ValueKind)}.");
        }

        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        return type switch
        {
            "entity" => _graph.CheckEntity(
                new GraphEntity(String(root, "name"), String(root, "entityType"), Strings(root, "observations")),
                "entity"),
            "relation" => KnowledgeGraphStore.CheckRelation(
                new GraphRelation(String(root, "from"), String(root, "to"), String(root, "relationType")),
                "relation"),
            null => throw new McpException("The object has no \"type\" string; expected \"entity\" or \"relation\"."),
            _ => throw new McpException($"Unknown type \"{Printable(type)}\"; expected \"entity\" or \"relation\"."),
        };
    }

    private static string String(JsonElement root, string property) =>
        !root.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null
            ? null!
            : value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new McpException($"\"{property}\" must be a string, found {Describe(value.ValueKind)}.");

    private static List<string> Strings(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new McpException($"\"{property}\" must be an array of strings, found {Describe(value.ValueKind)}.");
        }

        var items = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            items.Add(item.ValueKind == JsonValueKind.String
                ? item.GetString()!
                : throw new McpException($"\"{property}\" must hold only strings, found {Describe(item.ValueKind)}."));
        }

        return items;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>Echoes a short, printable prefix of a value from the file, never more.</summary>
    private static string Printable(string value)
    {
        var clean = new string(value.Take(40).Select(c => char.IsControl(c) || c == '"' ? '?' : c).ToArray());
        return value.Length > 40 ? clean + "…" : clean;
    }

    private static string FirstSentence(string message)
    {
        int end = message.IndexOf(". ", StringComparison.Ordinal);
        return end < 0 ? message : message[..(end + 1)];
    }
}
