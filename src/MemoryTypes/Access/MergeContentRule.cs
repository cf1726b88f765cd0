namespace KernelMemoryPlus;

/// <summary>Which content a merged write keeps when both sides changed it.</summary>
public enum MergeContentRule
{
    /// <summary>The incoming write's content (the later writer's words).</summary>
    Incoming,

    /// <summary>The current content (the first writer's words); the incoming content is dropped.</summary>
    Current,
}
