using System.Net;
using KernelMemoryPlus.Embeddings;
using Microsoft.Extensions.AI;

namespace KernelMemoryPlus.Tests.Embeddings;

public sealed class OllamaEmbeddingsTests
{
    private const string Secret = "the user's secret diary entry";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GenerateAsync_ReturnsOneVectorPerInput_FromTheConfiguredModelAndUrl()
    {
        await using var server = new FakeOllamaServer(dimensions: 8);
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "nomic-embed-text" });

        var result = await generator.GenerateAsync(["hello", "world"], cancellationToken: Ct);

        Assert.Equal(2, result.Count);
        Assert.Equal(FakeOllamaServer.VectorFor("hello", 8), result[0].Vector.ToArray());
        Assert.Equal(FakeOllamaServer.VectorFor("world", 8), result[1].Vector.ToArray());
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/embed", request.Path);
        Assert.Equal("nomic-embed-text", request.Model);
        Assert.Equal(["hello", "world"], request.Inputs);
    }

    [Fact]
    public async Task Endpoint_WithPath_IsKeptForReverseProxies()
    {
        await using var server = new FakeOllamaServer();
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint + "/ollama" });

        await generator.GenerateAsync(["x"], cancellationToken: Ct);

        var request = Assert.Single(server.Requests);
        Assert.Equal("/ollama/api/embed", request.Path);
        Assert.Equal(OllamaEmbeddingOptions.DefaultModel, request.Model);
    }

    [Fact]
    public async Task Dimensions_AreLearnedFromTheFirstResponse()
    {
        await using var server = new FakeOllamaServer(dimensions: 12);
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint });
        Assert.Null(generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelDimensions);

        var info = await EmbeddingModelInfo.DescribeAsync(generator, Ct);

        Assert.Equal(new EmbeddingModelInfo("all-minilm", 12), info);
        var metadata = generator.GetService<EmbeddingGeneratorMetadata>();
        Assert.Equal(12, metadata?.DefaultModelDimensions);
        Assert.Equal("ollama", metadata?.ProviderName);
        Assert.Single(server.Requests);
    }

    [Fact]
    public async Task ConfiguredDimensions_AreReportedWithoutACall_AndEnforced()
    {
        await using var server = new FakeOllamaServer(dimensions: 8);
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Dimensions = 384 });

        var info = await EmbeddingModelInfo.DescribeAsync(generator, Ct);
        Assert.Equal(384, info.Dimensions);
        Assert.Empty(server.Requests);

        var ex = await Assert.ThrowsAsync<EmbeddingMismatchException>(() => generator.GenerateAsync(["x"], cancellationToken: Ct));
        Assert.Contains("8 dimensions", ex.Message, StringComparison.Ordinal);
        Assert.Contains("OllamaEmbeddingOptions.Dimensions", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelChangingSizeMidRun_IsAMismatch()
    {
        await using var server = new FakeOllamaServer(dimensions: 8);
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint });
        await generator.GenerateAsync(["x"], cancellationToken: Ct);

        server.Dimensions = 16;

        await Assert.ThrowsAsync<EmbeddingMismatchException>(() => generator.GenerateAsync(["y"], cancellationToken: Ct));
    }

    [Fact]
    public async Task ServerError_BecomesEmbeddingServiceException_NamingEndpointAndModel_NotTheInput()
    {
        await using var server = new FakeOllamaServer { Status = HttpStatusCode.InternalServerError };
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "mxbai-embed-large" });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync([Secret], cancellationToken: Ct));

        Assert.Contains(server.Endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("mxbai-embed-large", ex.Message, StringComparison.Ordinal);
        Assert.Contains("500", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal(server.Endpoint, ex.Endpoint);
        Assert.Equal("mxbai-embed-large", ex.ModelId);
    }

    [Fact]
    public async Task BadRequest_WithErrorBody_KeepsTheServersTextOutOfTheMessage()
    {
        // The fake's error body echoes the input, as a careless server might.
        await using var server = new FakeOllamaServer { Status = HttpStatusCode.BadRequest };
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync([Secret], cancellationToken: Ct));

        Assert.Contains("all-minilm", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task MissingModel_SaysToPullIt()
    {
        await using var server = new FakeOllamaServer { Status = HttpStatusCode.NotFound };
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Model = "bge-m3" });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync(["x"], cancellationToken: Ct));

        Assert.Contains("ollama pull bge-m3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectionRefused_BecomesEmbeddingServiceException_NamingEndpointAndModel()
    {
        string endpoint = $"http://127.0.0.1:{FakeOllamaServer.FreePort()}";
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = endpoint, Model = "all-minilm" });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync([Secret], cancellationToken: Ct));

        Assert.Contains(endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("all-minilm", ex.Message, StringComparison.Ordinal);
        Assert.Contains("could not be reached", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, ex.Message, StringComparison.Ordinal);
        Assert.Null(ex.StatusCode);
    }

    [Fact]
    public async Task Credentials_InTheEndpoint_NeverAppearInTheMessage()
    {
        string endpoint = $"http://admin:hunter2@127.0.0.1:{FakeOllamaServer.FreePort()}/?api_key=sk-123";
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = endpoint });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync(["x"], cancellationToken: Ct));

        Assert.DoesNotContain("hunter2", ex.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-123", ex.ToString(), StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowServer_TimesOutAsEmbeddingServiceException()
    {
        await using var server = new FakeOllamaServer { Delay = TimeSpan.FromSeconds(10) };
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint, Timeout = TimeSpan.FromMilliseconds(200) });

        var ex = await Assert.ThrowsAsync<EmbeddingServiceException>(() => generator.GenerateAsync(["x"], cancellationToken: Ct));

        Assert.Contains("did not answer within", ex.Message, StringComparison.Ordinal);
        Assert.Contains(server.Endpoint, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerCancellation_StaysACancellation()
    {
        await using var server = new FakeOllamaServer { Delay = TimeSpan.FromSeconds(10) };
        using var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => generator.GenerateAsync(["x"], cancellationToken: cts.Token));
    }

    [Fact]
    public async Task CallersHttpClient_IsUsed_AndNotDisposedWithTheGenerator()
    {
        await using var server = new FakeOllamaServer();
        using var http = new HttpClient();
        var generator = OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = server.Endpoint }, http);

        await generator.GenerateAsync(["x"], cancellationToken: Ct);
        generator.Dispose();

        Assert.Equal(new Uri(server.Endpoint + "/"), http.BaseAddress);
        using var response = await http.PostAsync("api/embed", new StringContent("{\"model\":\"m\",\"input\":[\"y\"]}"), Ct);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public void CallersHttpClient_WithAnotherBaseAddress_IsRejected()
    {
        using var http = new HttpClient { BaseAddress = new Uri("http://elsewhere:1234/") };

        var ex = Assert.Throws<ArgumentException>(() => OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions(), http));

        Assert.Contains("BaseAddress", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("localhost:11434")]
    [InlineData("not a url")]
    [InlineData("ftp://localhost:11434")]
    public void InvalidEndpoint_IsRejected_NamingTheSetting(string endpoint)
    {
        var ex = Assert.Throws<ArgumentException>(() => OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Endpoint = endpoint }));

        Assert.Contains("OllamaEmbeddingOptions.Endpoint", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void EmptyModel_IsRejected_NamingTheSetting(string model)
    {
        var ex = Assert.Throws<ArgumentException>(() => OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Model = model }));

        Assert.Contains("OllamaEmbeddingOptions.Model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NonPositiveDimensionsOrTimeout_AreRejected_NamingTheSetting()
    {
        var dims = Assert.Throws<ArgumentException>(() => OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Dimensions = 0 }));
        var timeout = Assert.Throws<ArgumentException>(() => OllamaEmbeddings.CreateGenerator(new OllamaEmbeddingOptions { Timeout = TimeSpan.Zero }));

        Assert.Contains("OllamaEmbeddingOptions.Dimensions", dims.Message, StringComparison.Ordinal);
        Assert.Contains("OllamaEmbeddingOptions.Timeout", timeout.Message, StringComparison.Ordinal);
    }
}
