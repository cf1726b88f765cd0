using System.Net;

namespace KernelMemoryPlus.Embeddings;

/// <summary>
/// The embedding service could not produce embeddings: it is unreachable, answered with an error, timed out or sent
/// something unusable. The message names the service's endpoint and model; it never contains credentials or the
/// text being embedded, so it is safe to log and to show to users.
/// </summary>
public sealed class EmbeddingServiceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to check; must not contain credentials or input text.</param>
    /// <param name="endpoint">The service endpoint, without credentials or query string.</param>
    /// <param name="modelId">The model that was asked for.</param>
    /// <param name="statusCode">The HTTP status of the failed call, when there was one.</param>
    /// <param name="innerException">The underlying error.</param>
    public EmbeddingServiceException(string message, string endpoint, string modelId, HttpStatusCode? statusCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Endpoint = endpoint;
        ModelId = modelId;
        StatusCode = statusCode;
    }

    /// <summary>The service endpoint, without credentials or query string.</summary>
    public string Endpoint { get; }

    /// <summary>The model that was asked for.</summary>
    public string ModelId { get; }

    /// <summary>The HTTP status of the failed call; null when no response arrived (refused, timed out).</summary>
    public HttpStatusCode? StatusCode { get; }
}
