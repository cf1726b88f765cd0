namespace KernelMemoryPlus.Embeddings.Internal;

/// <summary>
/// FNV-1a (64 bit) over the UTF-8 bytes of text, plus the MurmurHash3 finaliser. Stable across processes, machines
/// and .NET versions, unlike <see cref="string.GetHashCode()"/>, which is randomised per process; stored offline
/// vectors depend on it, so the byte-level definition must never change.
/// </summary>
internal static class StableHash
{
    /// <summary>The FNV-1a 64-bit offset basis.</summary>
    public const ulong Basis = 14695981039346656037UL;

    private const ulong Prime = 1099511628211UL;

    /// <summary>Feeds one UTF-16 code unit that is not a surrogate, as its UTF-8 bytes.</summary>
    public static ulong AppendChar(ulong hash, char c)
    {
        if (c < 0x80)
        {
            return (hash ^ c) * Prime;
        }

        if (c < 0x800)
        {
            hash = (hash ^ (uint)(0xC0 | (c >> 6))) * Prime;
            return (hash ^ (uint)(0x80 | (c & 0x3F))) * Prime;
        }

        hash = (hash ^ (uint)(0xE0 | (c >> 12))) * Prime;
        hash = (hash ^ (uint)(0x80 | ((c >> 6) & 0x3F))) * Prime;
        return (hash ^ (uint)(0x80 | (c & 0x3F))) * Prime;
    }

    /// <summary>Feeds one byte (used for markers that are not text).</summary>
    public static ulong AppendByte(ulong hash, byte b) => (hash ^ b) * Prime;

    /// <summary>FNV-1a of the UTF-8 encoding of <paramref name="text"/>; lone surrogates count as U+FFFD.</summary>
    public static ulong Hash(ReadOnlySpan<char> text, ulong hash = Basis)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (!char.IsSurrogate(c))
            {
                hash = AppendChar(hash, c);
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                int cp = char.ConvertToUtf32(c, text[i + 1]);
                i++;
                hash = AppendByte(hash, (byte)(0xF0 | (cp >> 18)));
                hash = AppendByte(hash, (byte)(0x80 | ((cp >> 12) & 0x3F)));
                hash = AppendByte(hash, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                hash = AppendByte(hash, (byte)(0x80 | (cp & 0x3F)));
            }
            else
            {
                hash = AppendChar(hash, '\uFFFD');
            }
        }

        return hash;
    }

    /// <summary>
    /// The MurmurHash3 64-bit finaliser: FNV's low bits are weak for short inputs, and the bucket index and sign are
    /// taken from the mixed value.
    /// </summary>
    public static ulong Mix(ulong h)
    {
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        return h;
    }
}
