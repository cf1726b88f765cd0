using Microsoft.Extensions.Logging;

namespace KernelMemoryPlus.Plugin.Tests;

/// <summary>Keeps every log entry (level, formatted message, exception) for assertions.</summary>
public sealed class RecordingLogger : ILoggerFactory, ILogger
{
    public List<(LogLevel Level, string Message, Exception? Exception)> Entries { get; } = [];

    public LogLevel MinimumLevel { get; init; } = LogLevel.Debug;

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= MinimumLevel;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception), exception));
            }
        }
    }

    public void Dispose()
    {
    }
}
