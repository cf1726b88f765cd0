using System.Text.Json.Serialization;

namespace KernelMemoryPlus.Internal;

/// <summary>Source-generated JSON for the engine's stored lists and maps.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class EngineJson : JsonSerializerContext;
