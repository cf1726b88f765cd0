using System.Text.Json;

namespace KernelMemoryPlus.Server.Realtime;

/// <summary>The optional <c>id</c> a client puts on a request; replies echo it unchanged (a string or an integer).</summary>
internal sealed record RequestId
{
    public const int MaxLength = 128;

    private RequestId(string text, bool isNumber)
    {
        Text = text;
        IsNumber = isNumber;
    }

    public string Text { get; }

    public bool IsNumber { get; }

    /// <summary>Distinguishes the string "1" from the number 1.</summary>
    public string Key => (IsNumber ? "n:" : "s:") + Text;

    public static RequestId FromString(string value) => new(value, isNumber: false);

    public static RequestId FromNumber(long value) => new(value.ToString(System.Globalization.CultureInfo.InvariantCulture), isNumber: true);

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (IsNumber)
        {
            writer.WriteNumber("id", long.Parse(Text, System.Globalization.CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteString("id", Text);
        }
    }
}
