namespace KernelMemoryPlus.Server.Realtime;

/// <summary>A frame waiting to be sent; a change frame remembers its subscription so the sender can track delivery.</summary>
/// <param name="Payload">The UTF-8 JSON text.</param>
/// <param name="Subscription">The subscription a change frame belongs to; null for other frames.</param>
/// <param name="Sequence">The change's sequence number, for change frames.</param>
internal sealed record OutgoingFrame(byte[] Payload, RealtimeSubscription? Subscription = null, long Sequence = 0);
