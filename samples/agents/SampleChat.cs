// Shared by the samples (linked into each project): picks the model. Ollama when OLLAMA_HOST answers, otherwise a
// deterministic scripted model whose tool calls are real calls run by FunctionInvokingChatClient.
using Microsoft.Extensions.AI;
using OllamaSharp;

namespace Samples;

internal static class SampleChat
{
    /// <summary>Ollama's chat client when OLLAMA_HOST answers (model OLLAMA_MODEL, default llama3.2), otherwise null.</summary>
    public static async Task<IChatClient?> TryOllamaAsync()
    {
        var host = Environment.GetEnvironmentVariable("OLLAMA_HOST");
        if (string.IsNullOrWhiteSpace(host))
        {
            return null;
        }

        var uri = new Uri(host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            using var answer = await http.GetAsync(new Uri(uri, "/api/tags"));
            if (!answer.IsSuccessStatusCode)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }

        return new OllamaApiClient(uri, Environment.GetEnvironmentVariable("OLLAMA_MODEL") ?? "llama3.2");
    }
}

/// <summary>A scripted model: each call answers with the next step, built from the conversation so far.</summary>
internal sealed class ScriptedChatClient(params Func<IReadOnlyList<ChatMessage>, ChatOptions?, ChatResponse>[] steps) : IChatClient
{
    private int _next;

    public static ChatResponse Call(string name, Dictionary<string, object?> arguments) =>
        new(new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-" + Guid.NewGuid().ToString("N")[..8], name, arguments)]));

    public static ChatResponse Say(string text) => new(new ChatMessage(ChatRole.Assistant, text));

    /// <summary>The latest tool result in the conversation.</summary>
    public static string LastResult(IReadOnlyList<ChatMessage> messages) =>
        messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().LastOrDefault()?.Result?.ToString() ?? string.Empty;

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var step = _next < steps.Length ? steps[_next++] : (_, _) => Say("Done.");
        return Task.FromResult(step(messages.ToList(), options));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The scripted model does not stream.");

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
