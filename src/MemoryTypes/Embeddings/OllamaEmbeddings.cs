using KernelMemoryPlus.Embeddings.Internal;
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace KernelMemoryPlus.Embeddings;

/// <summary>Creates embedding generators backed by an Ollama server (<c>POST /api/embed</c>, through OllamaSharp).</summary>
public static class OllamaEmbeddings
{
    /// <summary>Creates a generator for <paramref name="options"/>' model on its endpoint.</summary>
    /// <remarks>
    /// No call is made here, so an application starts even while Ollama is down; failures surface per call as
    /// <see cref="EmbeddingServiceException"/>. The generator reports <see cref="EmbeddingGeneratorMetadata"/> with
    /// the model id and, once known (configured or learned from the first response), the dimensions. Dispose it to
    /// release the HTTP connections it created.
    /// </remarks>
    /// <param name="options">Endpoint, model, dimensions and timeout.</param>
    /// <param name="httpClient">
    /// An HTTP client to send requests with (custom handlers, proxies, headers); it is not disposed with the generator.
    /// Its <see cref="HttpClient.BaseAddress"/> must be null or name the endpoint; it is then set to the endpoint.
    /// Its own <see cref="HttpClient.Timeout"/> still applies in addition to <see cref="OllamaEmbeddingOptions.Timeout"/>.
    /// Null creates a private client.
    /// </param>
    /// <returns>The generator; thread-safe.</returns>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    public static IEmbeddingGenerator<string, Embedding<float>> CreateGenerator(OllamaEmbeddingOptions options, HttpClient? httpClient = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = ParseEndpoint(options);
        if (string.IsNullOrWhiteSpace(options.Model))
        {
            throw new ArgumentException(
                "OllamaEmbeddingOptions.Model is empty; set it to an Ollama embedding model such as 'all-minilm' or 'nomic-embed-text' (see `ollama list`).",
                nameof(options));
        }

        if (options.Dimensions is <= 0)
        {
            throw new ArgumentException(
                $"OllamaEmbeddingOptions.Dimensions must be positive, or null to learn it from the first response; got {options.Dimensions}.",
                nameof(options));
        }

        if (options.Timeout <= TimeSpan.Zero && options.Timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException(
                $"OllamaEmbeddingOptions.Timeout must be positive (or Timeout.InfiniteTimeSpan); got {options.Timeout}.",
                nameof(options));
        }

        string model = options.Model.Trim();
        string display = OllamaEmbeddingGenerator.Describe(endpoint);
        HttpClient? owned = null;
        if (httpClient is null)
        {
            // The per-call timeout is enforced by the generator, which can then say which endpoint timed out.
            owned = httpClient = new HttpClient { BaseAddress = endpoint, Timeout = Timeout.InfiniteTimeSpan };
        }
        else if (httpClient.BaseAddress is null || OllamaEmbeddingGenerator.Describe(httpClient.BaseAddress) == display)
        {
            if (httpClient.BaseAddress != endpoint)
            {
                httpClient.BaseAddress = endpoint;
            }
        }
        else
        {
            throw new ArgumentException(
                $"The HttpClient's BaseAddress ({OllamaEmbeddingGenerator.Describe(httpClient.BaseAddress)}) differs from OllamaEmbeddingOptions.Endpoint ({display}); leave BaseAddress unset or make them equal.",
                nameof(httpClient));
        }

        var client = new OllamaApiClient(httpClient, model);
        return new OllamaEmbeddingGenerator(client, owned, endpoint, model, options.Dimensions, options.Timeout);
    }

    private static Uri ParseEndpoint(OllamaEmbeddingOptions options)
    {
        string? endpoint = options.Endpoint;
        if (string.IsNullOrWhiteSpace(endpoint))
        {
            throw new ArgumentException(
                $"OllamaEmbeddingOptions.Endpoint is empty; set it to the Ollama server's URL, e.g. {OllamaEmbeddingOptions.DefaultEndpoint}.",
                nameof(options));
        }

        if (!Uri.TryCreate(endpoint.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host))
        {
            // A value that did not parse is echoed so the typo is visible; one that did is shown without credentials.
            string shown = uri is not null && !string.IsNullOrEmpty(uri.Host) ? OllamaEmbeddingGenerator.Describe(uri) : endpoint.Trim();
            throw new ArgumentException(
                $"OllamaEmbeddingOptions.Endpoint '{shown}' is not an absolute http or https URL; use e.g. {OllamaEmbeddingOptions.DefaultEndpoint}.",
                nameof(options));
        }

        // A trailing slash makes OllamaSharp's relative "api/embed" extend a proxy path instead of replacing its last segment.
        if (!uri.AbsolutePath.EndsWith('/'))
        {
            uri = new UriBuilder(uri) { Path = uri.AbsolutePath + "/" }.Uri;
        }

        return uri;
    }
}
