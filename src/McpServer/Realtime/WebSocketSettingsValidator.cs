using Microsoft.Extensions.Options;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>Checks <see cref="WebSocketSettings"/> at start-up; every failure names the setting to change.</summary>
internal sealed class WebSocketSettingsValidator : IValidateOptions<WebSocketSettings>
{
    // Below this a subscribe frame with a long namespace and an id would not fit.
    private const int MinFrameBytes = 1024;

    public ValidateOptionsResult Validate(string? name, WebSocketSettings options)
    {
        var failures = new List<string>();

        void Positive(int value, string setting, int minimum = 1)
        {
            if (value < minimum)
            {
                failures.Add($"Setting '{WebSocketSettings.SectionName}:{setting}' must be at least {minimum} (got {value}).");
            }
        }

        void Duration(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
            {
                failures.Add($"Setting '{WebSocketSettings.SectionName}:{setting}' must be a positive duration of at most 24 days (got {value}).");
            }
        }

        Positive(options.MaxConnections, nameof(WebSocketSettings.MaxConnections));
        Positive(options.MaxSubscriptions, nameof(WebSocketSettings.MaxSubscriptions));
        Positive(options.MaxConcurrentLists, nameof(WebSocketSettings.MaxConcurrentLists));
        Positive(options.MaxFrameBytes, nameof(WebSocketSettings.MaxFrameBytes), MinFrameBytes);
        Positive(options.SendQueueFrames, nameof(WebSocketSettings.SendQueueFrames));
        Positive(options.SendQueueBytes, nameof(WebSocketSettings.SendQueueBytes), MinFrameBytes);
        Positive(options.MaxPendingChanges, nameof(WebSocketSettings.MaxPendingChanges));
        Duration(options.SendTimeout, nameof(WebSocketSettings.SendTimeout));
        Duration(options.IdleTimeout, nameof(WebSocketSettings.IdleTimeout));
        Duration(options.KeepAliveInterval, nameof(WebSocketSettings.KeepAliveInterval));
        Duration(options.KeepAliveTimeout, nameof(WebSocketSettings.KeepAliveTimeout));
        Duration(options.CloseTimeout, nameof(WebSocketSettings.CloseTimeout));
        foreach (var origin in options.AllowedOrigins)
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _))
            {
                failures.Add($"Setting '{WebSocketSettings.SectionName}:AllowedOrigins' holds '{origin}', which is neither '*' nor an absolute origin such as https://app.example.com.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
