using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace KernelMemoryPlus.Internal;

/// <summary>
/// Plain case-insensitive substring search over the texts of many slots: every text is appended, upper-cased and
/// UTF-8 encoded, to one contiguous buffer, so a search is one vectorized ordinal scan of memory instead of a walk over
/// thousands of string objects (upper-casing both sides is how <see cref="StringComparison.OrdinalIgnoreCase"/>
/// compares). UTF-8 halves the bytes scanned for the usual mostly-ASCII text, and since no UTF-8 sequence starts
/// inside another, a byte match is a match of whole characters. Unpaired surrogates are encoded as U+FFFD on both sides.
/// </summary>
/// <remarks>
/// Each slot also keeps a 128-bit signature of the byte pairs in its text: a needle of three bytes or more is looked
/// for only in the slots whose signature holds all of the needle's pairs (a check of two words per slot instead of a
/// scan of the text), the rest cannot contain it. Shorter needles, and needles of byte pairs so common that more than
/// an eighth of the slots remain candidates, are found by one scan of the whole buffer instead.
/// Texts are separated by NUL bytes, so a needle without NUL never matches across two slots. Replacing or
/// removing a slot's text leaves the old copy in the buffer as garbage; the buffer is rebuilt once garbage outweighs
/// live text. Not thread-safe: the owner serializes writers and readers (the namespace lock).
/// </remarks>
internal sealed class SubstringIndex
{
    private const byte Separator = 0;
    private const int MinCompactBytes = 1 << 16;

    private byte[] _buffer = new byte[1024];
    private int _length;

    // Segment starts in buffer order (ascending) with the slot each belongs to.
    private readonly List<int> _segmentStarts = [];
    private readonly List<int> _segmentSlots = [];

    // Per slot: where its live segment starts, or -1; its length in bytes (without the separator); its signature's
    // two halves (both zero for a slot without live text, which no needle's signature fits), kept apart so a search
    // tests a vector of slots at a time.
    private int[] _liveStart = [];
    private int[] _liveLength = [];
    private ulong[] _signatureLow = [];
    private ulong[] _signatureHigh = [];
    private int _liveCount;
    private int _garbage;

    /// <summary>Bytes of live text (UTF-8, separators included).</summary>
    public int LiveBytes => _length - _garbage;

    /// <summary>Sets (or replaces) a slot's text; null removes it.</summary>
    public void Set(int slot, string? text)
    {
        Remove(slot);
        if (text is null)
        {
            return;
        }

        EnsureSlot(slot);
        var upper = ArrayPool<char>.Shared.Rent(Math.Max(1, text.Length));
        try
        {
            var chars = upper.AsSpan(0, text.Length);
            text.AsSpan().ToUpperInvariant(chars);
            chars.Replace('\0', ' ');
            EnsureCapacity(_length + Encoding.UTF8.GetByteCount(chars) + 1);
            _liveStart[slot] = _length;
            _segmentStarts.Add(_length);
            _segmentSlots.Add(slot);
            int written = Encoding.UTF8.GetBytes(chars, _buffer.AsSpan(_length));
            _liveLength[slot] = written;
            (_signatureLow[slot], _signatureHigh[slot]) = Signature(_buffer.AsSpan(_length, written));
            _liveCount++;
            _length += written;
            _buffer[_length++] = Separator;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(upper);
        }
    }

    /// <summary>Removes a slot's text.</summary>
    public void Remove(int slot)
    {
        if (slot >= _liveStart.Length || _liveStart[slot] < 0)
        {
            return;
        }

        int start = _liveStart[slot];
        _liveStart[slot] = -1;
        _signatureLow[slot] = 0;
        _signatureHigh[slot] = 0;
        _liveCount--;
        _garbage += SegmentEnd(start) - start + 1;
        if (_garbage > MinCompactBytes && _garbage > _length / 2)
        {
            Compact();
        }
    }

    /// <summary>
    /// The slots whose text contains <paramref name="needle"/> (ignoring case), each once, in the order their text was
    /// written.
    /// </summary>
    /// <param name="needle">What to look for (it must not contain NUL).</param>
    /// <param name="accept">Optional per-slot filter.</param>
    public List<int> Search(string needle, Func<int, bool>? accept = null)
    {
        var found = new List<int>();
        if (needle.Length == 0)
        {
            return found;
        }

        var upper = Encoding.UTF8.GetBytes(needle.ToUpperInvariant());
        if (upper.Length >= 3 && SearchBySignature(upper, accept) is { } bySignature)
        {
            return bySignature;
        }

        var text = _buffer.AsSpan(0, _length);
        int position = 0;
        while (position < text.Length)
        {
            int hit = text[position..].IndexOf(upper);
            if (hit < 0)
            {
                break;
            }

            int at = position + hit;
            int segment = SegmentOf(at);
            int start = _segmentStarts[segment];
            int slot = _segmentSlots[segment];
            int end = SegmentEnd(start);
            if (_liveStart[slot] == start && (accept is null || accept(slot)))
            {
                found.Add(slot);
            }

            position = end + 1;
        }

        return found;
    }

    /// <summary>
    /// The slots whose signature holds the needle's, checked by a scan of their text, in written order; null when more
    /// than an eighth of the slots are candidates (a needle of common byte pairs), where one contiguous scan of the
    /// buffer is faster than checking them one by one.
    /// </summary>
    private List<int>? SearchBySignature(byte[] needle, Func<int, bool>? accept)
    {
        var (wantedLow, wantedHigh) = Signature(needle);
        int limit = Math.Max(64, _liveCount / 8);
        var candidates = new List<(int Start, int Slot)>();
        var low = _signatureLow.AsSpan();
        var high = _signatureHigh.AsSpan();
        int slot = 0;
        if (Vector.IsHardwareAccelerated && low.Length >= Vector<ulong>.Count)
        {
            var wl = new Vector<ulong>(wantedLow);
            var wh = new Vector<ulong>(wantedHigh);
            ref ulong l0 = ref MemoryMarshal.GetReference(low);
            ref ulong h0 = ref MemoryMarshal.GetReference(high);
            for (; slot <= low.Length - Vector<ulong>.Count; slot += Vector<ulong>.Count)
            {
                var fits = Vector.Equals(Vector.LoadUnsafe(ref l0, (nuint)slot) & wl, wl) & Vector.Equals(Vector.LoadUnsafe(ref h0, (nuint)slot) & wh, wh);
                if (fits == Vector<ulong>.Zero)
                {
                    continue;
                }

                for (int lane = 0; lane < Vector<ulong>.Count; lane++)
                {
                    if (fits[lane] != 0 && !Add(slot + lane))
                    {
                        return null;
                    }
                }
            }
        }

        for (; slot < low.Length; slot++)
        {
            if ((low[slot] & wantedLow) == wantedLow && (high[slot] & wantedHigh) == wantedHigh && !Add(slot))
            {
                return null;
            }
        }

        candidates.Sort(static (a, b) => a.Start.CompareTo(b.Start));
        var found = new List<int>();
        foreach (var (start, candidate) in candidates)
        {
            if (_buffer.AsSpan(start, _liveLength[candidate]).IndexOf(needle) >= 0 && (accept is null || accept(candidate)))
            {
                found.Add(candidate);
            }
        }

        return found;

        // Dead slots have a zero signature, which no needle's fits; false once there are too many candidates.
        bool Add(int at)
        {
            candidates.Add((_liveStart[at], at));
            return candidates.Count <= limit;
        }
    }

    /// <summary>A 128-bit set of the byte pairs in a text (each pair hashed to one bit), as its low and high halves.</summary>
    private static (ulong Low, ulong High) Signature(ReadOnlySpan<byte> text)
    {
        ulong low = 0, high = 0;
        for (int i = 1; i < text.Length; i++)
        {
            uint bit = ((text[i - 1] * 0x9E3779B1u) ^ (text[i] * 0x85EBCA77u)) >> 25;
            if (bit < 64)
            {
                low |= 1UL << (int)bit;
            }
            else
            {
                high |= 1UL << (int)(bit - 64);
            }
        }

        return (low, high);
    }

    private int SegmentEnd(int start) => start + _buffer.AsSpan(start, _length - start).IndexOf(Separator);

    private int SegmentOf(int offset)
    {
        int i = _segmentStarts.BinarySearch(offset);
        return i >= 0 ? i : ~i - 1;
    }

    private void EnsureSlot(int slot)
    {
        if (slot < _liveStart.Length)
        {
            return;
        }

        int old = _liveStart.Length;
        int size = Math.Max(slot + 1, Math.Max(16, old * 2));
        Array.Resize(ref _liveStart, size);
        Array.Resize(ref _liveLength, size);
        Array.Resize(ref _signatureLow, size);
        Array.Resize(ref _signatureHigh, size);
        _liveStart.AsSpan(old).Fill(-1);
    }

    private void EnsureCapacity(int needed)
    {
        if (needed > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(needed, _buffer.Length * 2));
        }
    }

    private void Compact()
    {
        var buffer = new byte[Math.Max(1024, (_length - _garbage) * 5 / 4)];
        int length = 0;
        var starts = new List<int>(_segmentStarts.Count);
        var slots = new List<int>(_segmentSlots.Count);
        for (int i = 0; i < _segmentStarts.Count; i++)
        {
            int start = _segmentStarts[i];
            int slot = _segmentSlots[i];
            if (_liveStart[slot] != start)
            {
                continue;
            }

            int count = SegmentEnd(start) - start + 1;
            _buffer.AsSpan(start, count).CopyTo(buffer.AsSpan(length));
            _liveStart[slot] = length;
            starts.Add(length);
            slots.Add(slot);
            length += count;
        }

        _buffer = buffer;
        _length = length;
        _garbage = 0;
        _segmentStarts.Clear();
        _segmentStarts.AddRange(starts);
        _segmentSlots.Clear();
        _segmentSlots.AddRange(slots);
    }
}
