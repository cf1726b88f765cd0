using KernelMemoryPlus.Internal;

namespace KernelMemoryPlus.Tests.Internal;

public sealed class SubstringIndexTests
{
    [Fact]
    public void Search_FindsEachMatchingSlotOnce_IgnoringCase()
    {
        var index = new SubstringIndex();
        index.Set(0, "Alice likes hiking and hiking boots");
        index.Set(1, "Bob");
        index.Set(2, "HIKING club member");

        Assert.Equal([0, 2], index.Search("hiking"));
        Assert.Empty(index.Search("carol"));
    }

    [Fact]
    public void Search_IgnoresCase_BeyondAscii_AndTreatsNulAsSpace()
    {
        string[] texts = ["Réunion à l'ÉCOLE", "Straße 5, Ωmega", "plain ecole", "text with a \0 NUL"];
        var index = new SubstringIndex();
        for (int slot = 0; slot < texts.Length; slot++)
        {
            index.Set(slot, texts[slot]);
        }

        Assert.Equal([0], index.Search("école"));
        Assert.Equal([1], index.Search("ωMEGA"));
        Assert.Equal([1], index.Search("straße"));
        Assert.Equal([2], index.Search("ECOLE"));
        Assert.Equal([3], index.Search("a   nul"));
        Assert.Empty(index.Search("ήmega"));
        Assert.Equal(texts.Sum(t => System.Text.Encoding.UTF8.GetByteCount(t.ToUpperInvariant())) + texts.Length, index.LiveBytes);
    }

    [Fact]
    public void Search_NeverMatchesAcrossTwoSlots()
    {
        var index = new SubstringIndex();
        index.Set(0, "ends with ab");
        index.Set(1, "cd starts here");

        Assert.Empty(index.Search("abcd"));
    }

    [Fact]
    public void Set_ReplacesAndRemoveForgets()
    {
        var index = new SubstringIndex();
        index.Set(0, "old text");
        index.Set(0, "new text");
        index.Set(1, "other old thing");
        index.Remove(1);
        index.Remove(7);

        Assert.Empty(index.Search("old"));
        Assert.Equal([0], index.Search("new"));
        Assert.Equal("new text".Length, index.LiveBytes - 1);
    }

    [Fact]
    public void Search_HonoursTheFilter()
    {
        var index = new SubstringIndex();
        index.Set(0, "match");
        index.Set(1, "match");

        Assert.Equal([1], index.Search("match", slot => slot == 1));
    }

    [Fact]
    public void ManyRewrites_CompactTheBuffer_AndKeepEveryLiveText()
    {
        var index = new SubstringIndex();
        for (int round = 0; round < 60; round++)
        {
            for (int slot = 0; slot < 200; slot++)
            {
                index.Set(slot, $"slot {slot} round {round} " + new string('x', 20));
            }
        }

        Assert.True(index.LiveBytes < 200 * 60, "garbage was compacted away");
        Assert.Equal(200, index.Search("round 59 ").Count);
        Assert.Empty(index.Search("round 58 "));
        Assert.Equal([123], index.Search("slot 123 round 59"));
    }

    [Fact]
    public void Search_AgreesWithAPlainScan_OnRandomTextsAndNeedles()
    {
        var random = new Random(17);
        const string alphabet = "abcdeABCDE  éÉß.0";
        string Word(int min, int max) => new([.. Enumerable.Range(0, random.Next(min, max)).Select(_ => alphabet[random.Next(alphabet.Length)])]);

        var index = new SubstringIndex();
        var texts = new Dictionary<int, (string Text, long Written)>();
        long clock = 0;
        for (int step = 0; step < 3000; step++)
        {
            int slot = random.Next(200);
            if (random.Next(5) == 0)
            {
                index.Remove(slot);
                texts.Remove(slot);
            }
            else
            {
                // Mostly short texts, some long enough to fill their signature.
                var text = random.Next(10) == 0 ? Word(200, 400) : Word(1, 40);
                index.Set(slot, text);
                texts[slot] = (text, clock++);
            }

            if (step % 10 == 0)
            {
                var needle = random.Next(2) == 0 && texts.Count > 0
                    ? Substring(texts.Values.ElementAt(random.Next(texts.Count)).Text, random)
                    : Word(1, 6);
                var expected = texts.Where(t => t.Value.Text.ToUpperInvariant().Contains(needle.ToUpperInvariant(), StringComparison.Ordinal))
                    .OrderBy(t => t.Value.Written).Select(t => t.Key).ToList();
                Assert.Equal(expected, index.Search(needle));
            }
        }
    }

    private static string Substring(string text, Random random)
    {
        int start = random.Next(text.Length);
        return text.Substring(start, random.Next(1, Math.Min(8, text.Length - start) + 1));
    }
}
