namespace KernelMemoryPlus;

/// <summary>Input to the engine was invalid. <see cref="ArgumentException.ParamName"/> names the field.</summary>
public sealed class MemoryValidationException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="field">The invalid field, as the caller named it (for example "content" or "filter.tags[2]").</param>
    /// <param name="message">What is wrong and what is allowed.</param>
    public MemoryValidationException(string field, string message)
        : base(message, field)
    {
        Field = field;
    }

    /// <summary>The invalid field.</summary>
    public string Field { get; }

    /// <inheritdoc />
    public override string Message => base.Message.Replace($" (Parameter '{Field}')", string.Empty, StringComparison.Ordinal);
}
