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

    /// <summary>Encryption at rest ("KernelMemoryPlus:Encryption").</summary>
    public EncryptionSettings Encryption { get; set; } = new();
}

/// <summary>
/// Encryption at rest of the server: on by default. Keys come from <see cref="Key"/> (or the environment variable
/// <c>KMP_ENCRYPTION_KEY</c>), else from <see cref="KeyFile"/>, which is generated (owner-only) when missing.
/// </summary>
public sealed class EncryptionSettings
{
    /// <summary>Environment variable holding the key (base64 of 32 bytes); wins over the settings.</summary>
    public const string KeyVariable = "KMP_ENCRYPTION_KEY";

    /// <summary>Whether new writes are sealed. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The key, base64 of 32 bytes; prefer the environment variable <see cref="KeyVariable"/> to a settings file.</summary>
    public string? Key { get; set; }

    /// <summary>Older keys still accepted for reading while <c>encryption rotate</c> re-encrypts (with <see cref="Key"/> only).</summary>
    public List<string> PreviousKeys { get; set; } = [];

    /// <summary>
    /// The key ring file: a file name inside the data folder or an absolute path (outside it is safer). Default: beside
    /// the database, named after it ("memory.keys.json").
    /// </summary>
    public string? KeyFile { get; set; }

    /// <summary>How often the server looks whether the key file changed (a rotation). Default 1 second.</summary>
    public TimeSpan KeyRingRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);
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
