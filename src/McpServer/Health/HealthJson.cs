using System.Text.Json;

namespace KernelMemoryPlus.Server.Health;

internal static class HealthJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
