using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Server.Mcp.Contracts;

/// <summary>A memory kind as tools accept it (lower case on the wire).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MemoryKindArgument>))]
internal enum MemoryKindArgument
{
    /// <summary>An event or conversation turn.</summary>
    [JsonStringEnumMemberName("episodic")]
    Episodic,

    /// <summary>A fact, concept or entity.</summary>
    [JsonStringEnumMemberName("semantic")]
    Semantic,

    /// <summary>A how-to with steps.</summary>
    [JsonStringEnumMemberName("procedural")]
    Procedural,
}
