namespace KernelMemoryPlus.Server.Hosting;

/// <summary>
/// The server's own settings, from the "KernelMemoryPlus" configuration section (appsettings.json, environment
/// variables such as <c>KernelMemoryPlus__Embeddings__Provider=ollama</c>, or the command line).
/// </summary>
public sealed class ServerSettings
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "KernelMemoryPlus";

    /// <summary>The address used when neither ASPNETCORE_URLS nor --urls is given.</summary>
    public const string DefaultUrl = "http://localhost:5080";

    /// <summary>
    /// The data folder. Default "./data"; the environment variable <c>KMP_DATA_DIR</c> overrides it.
    /// </summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>The database file name inside <see cref="DataDirectory"/>. Default "memory.db".</summary>
    public string DatabaseFile { get; set; } = "memory.db";

    /// <summary>Which embedder to use.</summary>
    public EmbeddingSettings Embeddings { get; set; } = new();
}

/// <summary>Embedding settings of the server.</summary>
public sealed class EmbeddingSettings
{
    /// <summary>"offline" (default: built in, no model, no network) or "ollama".</summary>
    public string Provider { get; set; } = "offline";

    /// <summary>The Ollama endpoint when <see cref="Provider"/> is "ollama". Default http://localhost:11434.</summary>
    public string OllamaEndpoint { get; set; } = "http://localhost:11434";

    /// <summary>The Ollama embedding model. Default "all-minilm".</summary>
    public string OllamaModel { get; set; } = "all-minilm";
}
