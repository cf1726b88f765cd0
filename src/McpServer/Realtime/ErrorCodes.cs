namespace KernelMemoryPlus.Server.Realtime;

/// <summary>The <c>code</c> values of <c>error</c> frames (documented in docs/websocket.md).</summary>
internal static class ErrorCodes
{
    public const string InvalidJson = "invalid_json";
    public const string InvalidMessage = "invalid_message";
    public const string UnknownType = "unknown_type";
    public const string InvalidField = "invalid_field";
    public const string SinceAhead = "since_ahead";
    public const string FrameTooLarge = "frame_too_large";
    public const string BinaryNotSupported = "binary_not_supported";
    public const string AlreadySubscribed = "already_subscribed";
    public const string OverlappingSubscription = "overlapping_subscription";
    public const string NotSubscribed = "not_subscribed";
    public const string TooManySubscriptions = "too_many_subscriptions";
    public const string TooManyLists = "too_many_lists";
    public const string DuplicateId = "duplicate_id";
    public const string Overflow = "overflow";
    public const string SubscriptionFailed = "subscription_failed";
    public const string SubscriptionEnded = "subscription_ended";
    public const string InternalError = "internal_error";
    public const string Forbidden = "forbidden";
}
