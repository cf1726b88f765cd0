using System.Globalization;
using System.Net;
using Microsoft.Extensions.AI;
using OllamaSharp.Models.Exceptions;

namespace KernelMemoryPlus.Embeddings.Internal;

/// <summary>
/// Wraps OllamaSharp's generator: enforces the timeout, turns every transport or server failure into an
/// <see cref="EmbeddingServiceException"/> that names endpoint and model (never credentials or input text), checks
/// the vectors' count and length, and reports the dimensions in the metadata once known.
/// </summary>
internal sealed class OllamaEmbeddingGenerator : DelegatingEmbeddingGenerator<string, Embedding<float>>
{
    private readonly HttpClient? _ownedHttpClient;
    private readonly Uri _providerUri;
    private readonly string _endpoint;
    private readonly string _model;
    private readonly int? _configuredDimensions;
    private readonly TimeSpan _timeout;
    private int _learnedDimensions;

    public OllamaEmbeddingGenerator(
        IEmbeddingGenerator<string, Embedding<float>> ollama,
        HttpClient? ownedHttpClient,
        Uri endpoint,
        string model,
        int? dimensions,
        TimeSpan timeout)
        : base(ollama)
    {
        _ownedHttpClient = ownedHttpClient;
        _endpoint = Describe(endpoint);
        _providerUri = new Uri(_endpoint);
        _model = model;
        _configuredDimensions = dimensions;
        _timeout = timeout;
    }

    /// <summary>The endpoint as shown to people: scheme, host, port and path, without credentials or query.</summary>
    public static string Describe(Uri uri) =>
        uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped).TrimEnd('/');

    public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values as IReadOnlyCollection<string> ?? [.. values];
        if (inputs.Count == 0)
        {
            return [];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (_timeout != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(_timeout);
        }

        GeneratedEmbeddings<Embedding<float>> result;
        try
        {
            result = await base.GenerateAsync(inputs, options, timeout.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex)
        {
            // Our timeout, or the caller-supplied HttpClient's own.
            throw Failure(
                $"did not answer within {FormatTimeout()}. The first call may be loading the model; raise OllamaEmbeddingOptions.Timeout if it keeps happening",
                null,
                ex);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            throw Failure(
                $"could not be reached ({ex.HttpRequestError}). Check that Ollama is running (`ollama serve`) and that OllamaEmbeddingOptions.Endpoint is right",
                null,
                ex);
        }
        catch (HttpRequestException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            throw Failure(
                $"answered HTTP 404: the model is not installed (run `ollama pull {_model}`), or the endpoint is not an Ollama server",
                ex.StatusCode,
                ex);
        }
        catch (HttpRequestException ex)
        {
            throw Failure(
                $"answered HTTP {(int)ex.StatusCode!.Value} ({ex.StatusCode})",
                ex.StatusCode,
                ex);
        }
        catch (OllamaException ex)
        {
            // Ollama's own error text stays in the inner exception: it is the server's wording, not ours to vouch for.
            throw Failure("rejected the request (Ollama's error text is in the inner exception)", null, ex);
        }
        catch (Exception ex)
        {
            throw Failure($"sent a response that could not be used ({ex.GetType().Name})", null, ex);
        }

        Validate(result, inputs.Count);
        return result;
    }

    public override object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is null && serviceType == typeof(EmbeddingGeneratorMetadata))
        {
            int learned = Volatile.Read(ref _learnedDimensions);
            return new EmbeddingGeneratorMetadata("ollama", _providerUri, _model, _configuredDimensions ?? (learned > 0 ? learned : null));
        }

        return base.GetService(serviceType, serviceKey);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _ownedHttpClient?.Dispose();
        }
    }

    private void Validate(GeneratedEmbeddings<Embedding<float>> result, int inputCount)
    {
        if (result.Count != inputCount)
        {
            throw Failure(FormattableString.Invariant($"returned {result.Count} vectors for {inputCount} inputs"), null, null);
        }

        int expected = _configuredDimensions ?? Volatile.Read(ref _learnedDimensions);
        foreach (var embedding in result)
        {
            int length = embedding.Vector.Length;
            if (length == 0)
            {
                throw Failure("returned an empty vector", null, null);
            }

            if (expected == 0)
            {
                // First response: whichever concurrent call gets here first defines the model's size.
                int previous = Interlocked.CompareExchange(ref _learnedDimensions, length, 0);
                expected = previous == 0 ? length : previous;
            }

            if (length != expected)
            {
                string source = _configuredDimensions is null
                    ? "its earlier responses had"
                    : "OllamaEmbeddingOptions.Dimensions says";
                throw new EmbeddingMismatchException(
                    string.Create(
                        CultureInfo.InvariantCulture,
                        $"Ollama model '{_model}' at {_endpoint} returned a vector of {length} dimensions, but {source} {expected}. ")
                    + (_configuredDimensions is null
                        ? "The model behind this name changed while running; restart, and re-embed stored memories with the reindex command if the model really changed."
                        : "Set OllamaEmbeddingOptions.Dimensions to the model's real size, or leave it unset to learn it."),
                    new EmbeddingModelInfo(_model, expected),
                    _model,
                    length,
                    storeDescription: null);
            }
        }
    }

    private string FormatTimeout() =>
        _timeout == Timeout.InfiniteTimeSpan ? "the HttpClient's timeout" : _timeout.ToString("c", CultureInfo.InvariantCulture);

    private EmbeddingServiceException Failure(string what, HttpStatusCode? status, Exception? inner) =>
        new($"The Ollama embedding service at {_endpoint} (model '{_model}') {what}.", _endpoint, _model, status, inner);
}
