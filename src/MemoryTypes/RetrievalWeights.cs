namespace KernelMemoryPlus;

/// <summary>
/// How the final score mixes its components. The final score is the weighted mean of relevance, recency,
/// importance and access frequency (each between 0 and 1), so it is between 0 and 1 too.
/// </summary>
public sealed record RetrievalWeights
{
    /// <summary>Weight of relevance (fused dense + keyword + fuzzy rank). Default 0.75.</summary>
    public double Relevance { get; init; } = 0.75;

    /// <summary>Weight of recency (exponential decay with <see cref="RecencyHalfLife"/>). Default 0.1.</summary>
    public double Recency { get; init; } = 0.1;

    /// <summary>Weight of importance. Default 0.1.</summary>
    public double Importance { get; init; } = 0.1;

    /// <summary>Weight of access frequency. Default 0.05.</summary>
    public double Frequency { get; init; } = 0.05;

    /// <summary>Age at which recency is one half. Default 30 days.</summary>
    public TimeSpan RecencyHalfLife { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Weight of the dense-vector ranking inside relevance. Default 1.</summary>
    public double Vector { get; init; } = 1.0;

    /// <summary>Weight of the BM25 keyword ranking inside relevance. Default 1.</summary>
    public double Keyword { get; init; } = 1.0;

    /// <summary>Weight of the typo-tolerant fuzzy ranking inside relevance. Default 0.5.</summary>
    public double Fuzzy { get; init; } = 0.5;

    /// <summary>
    /// Weight of the time-anchored ranking inside relevance: when the query names a time ("on October 13, 2023",
    /// "in May", "two weeks before August 11", "yesterday"), the keyword ranking among the memories that occurred
    /// then is fused as one more ranking, so those memories rise without the others being filtered out. Default 1.
    /// </summary>
    public double Time { get; init; } = 1.0;

    /// <summary>The defaults.</summary>
    public static RetrievalWeights Default { get; } = new();

    internal void Validate(string parameterName)
    {
        foreach (var (name, value) in new[] { ("Relevance", Relevance), ("Recency", Recency), ("Importance", Importance), ("Frequency", Frequency), ("Vector", Vector), ("Keyword", Keyword), ("Fuzzy", Fuzzy), ("Time", Time) })
        {
            if (double.IsNaN(value) || value < 0 || value > 100)
            {
                throw new MemoryValidationException($"{parameterName}.{name}", $"The weight {name} must be between 0 and 100 (got {value}).");
            }
        }

        if (Relevance + Recency + Importance + Frequency <= 0)
        {
            throw new MemoryValidationException(parameterName, "At least one of Relevance, Recency, Importance and Frequency must be positive.");
        }

        if (Vector + Keyword + Fuzzy <= 0)
        {
            throw new MemoryValidationException(parameterName, "At least one of Vector, Keyword and Fuzzy must be positive.");
        }

        if (RecencyHalfLife <= TimeSpan.Zero)
        {
            throw new MemoryValidationException($"{parameterName}.RecencyHalfLife", "RecencyHalfLife must be positive.");
        }
    }
}
