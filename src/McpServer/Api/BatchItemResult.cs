using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Api;

/// <summary>What happened to one item of a batch.</summary>
public sealed record BatchItemResult
{
    /// <summary>The item's position in the request (0-based).</summary>
    public required int Index { get; init; }

    /// <summary>The item's operation, when it could be read.</summary>
    public BatchOperation? Op { get; init; }

    /// <summary>
    /// An HTTP status for the item: 201 created, 200 updated, 204 deleted; 400 invalid, 404 not found, 409 version
    /// conflict; 424 not applied because another item failed.
    /// </summary>
    public required int Status { get; init; }

    /// <summary>The memory's id (given, or assigned when created).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }

    /// <summary>The memory's version after the write (absent for deletes and failures).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Version { get; init; }

    /// <summary>The memory's current version, when the item failed with a version conflict.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? CurrentVersion { get; init; }

    /// <summary>The invalid field, as a path from the request root (for example "items[3].memory.content").</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Field { get; init; }

    /// <summary>Why the item failed.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}
