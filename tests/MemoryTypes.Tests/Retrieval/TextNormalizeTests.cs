using System.Globalization;
using System.Text;
using KernelMemoryPlus.Retrieval;

namespace KernelMemoryPlus.Tests.Retrieval;

public sealed class TextNormalizeTests
{
    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("Alice  Smith", "alice smith")]
    [InlineData("  Tortoise\tIntegration \n", "tortoise integration")]
    [InlineData("Zoë Ångström", "zoe angstrom")]
    [InlineData("a\u0001B", "a\u0001b")]
    [InlineData("", "")]
    [InlineData("   ", "")]
    public void Normalize_LowersFoldsAccentsAndCollapsesSpaces(string text, string expected) =>
        Assert.Equal(expected, TextAnalyzer.Normalize(text));

    [Fact]
    public void Normalize_AnAlreadyNormalizedKey_IsReturnedAsIs()
    {
        var key = "tortoise integration";
        Assert.Same(key, TextAnalyzer.Normalize(key));
    }

    [Fact]
    public void Normalize_FastPaths_AgreeWithTheGeneralRule_OnRandomText()
    {
        var random = new Random(5);
        const string alphabet = "abcXYZ 09 \t\n\r\u0001\u007F-_.éÀüß\u0301\u00A0\u2003Ω";
        for (int i = 0; i < 5000; i++)
        {
            int length = random.Next(0, 16);
            var chars = new char[length];
            for (int c = 0; c < length; c++)
            {
                // Mostly ASCII, so every path is taken.
                chars[c] = random.Next(4) == 0 ? alphabet[random.Next(alphabet.Length)] : alphabet[random.Next(15)];
            }

            var text = new string(chars);
            Assert.Equal(General(text), TextAnalyzer.Normalize(text));
            Assert.Equal(TextAnalyzer.Normalize(text), TextAnalyzer.Normalize(TextAnalyzer.Normalize(text)));
        }
    }

    // The rule for any text: decompose, drop combining marks, lower-case, trim and collapse whitespace.
    private static string General(string text)
    {
        var builder = new StringBuilder();
        bool space = false;
        foreach (var c in text.Trim().Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        return builder.ToString();
    }
}
