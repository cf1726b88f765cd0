namespace KernelMemoryPlus;

/// <summary>
/// A live change subscription fell too far behind and was ended so the server's memory stays bounded. Resume with
/// the sequence number of the last change received; nothing is lost.
/// </summary>
public sealed class ChangeFeedOverflowException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="lastDelivered">The sequence number of the last change delivered.</param>
    /// <param name="capacity">How many undelivered changes the subscription could hold.</param>
    public ChangeFeedOverflowException(long lastDelivered, int capacity)
        : base($"The subscriber fell more than {capacity} changes behind and was disconnected. Resume from sequence {lastDelivered}.")
    {
        LastDelivered = lastDelivered;
    }

    /// <summary>The last sequence number delivered before the subscription ended.</summary>
    public long LastDelivered { get; }
}
