namespace KernelMemoryPlus.Bench.Infrastructure;

/// <summary>
/// Derives the seed of a random stream from a run's seed and stream numbers, the same in every process
/// (<see cref="HashCode.Combine{T1, T2}"/> is randomized per process, so corpora and queries built with it differed
/// from one run to the next even with the same <c>--seed</c>).
/// </summary>
internal static class Seeds
{
    public static int Mix(params ReadOnlySpan<int> parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (var part in parts)
        {
            // SplitMix64 finalizer over the running value and each part.
            h ^= (uint)part;
            h += 0x9E3779B97F4A7C15UL;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }

        return (int)(h & 0x7FFFFFFF);
    }
}
