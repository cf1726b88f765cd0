namespace KernelMemoryPlus.Embeddings;

/// <summary>Settings for embeddings served by an Ollama server (<see cref="OllamaEmbeddings.CreateGenerator"/>).</summary>
public sealed class OllamaEmbeddingOptions
{
    /// <summary>The default <see cref="Endpoint"/>: a local Ollama on its standard port.</summary>
    public const string DefaultEndpoint = "http://localhost:11434";

    /// <summary>The default <see cref="Model"/>: all-minilm, a small (46 MB) 384-dimension sentence model.</summary>
    public const string DefaultModel = "all-minilm";

    /// <summary>
    /// The base URL of the Ollama server. Default <see cref="DefaultEndpoint"/>. An absolute http or https URL; a
    /// path (for a reverse proxy) is kept, and <c>api/embed</c> is appended to it.
    /// </summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>The model name as Ollama knows it (<c>ollama pull &lt;name&gt;</c>). Default <see cref="DefaultModel"/>.</summary>
    public string Model { get; set; } = DefaultModel;

    /// <summary>
    /// The vector length the model produces. Default null: learned from the first response. When set, every
    /// response is checked against it, and it is reported before any call is made (so stores can be checked offline).
    /// It is not sent to Ollama; it describes the model rather than asking it to truncate.
    /// </summary>
    public int? Dimensions { get; set; }

    /// <summary>
    /// How long one embedding call may take, including Ollama loading the model on first use. Default 2 minutes.
    /// <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> disables it.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(2);
}
