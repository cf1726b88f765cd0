using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KernelMemoryPlus.Encryption;

/// <summary>
/// Seals and opens the sensitive fields of one stored record as one AES-256-GCM envelope, kept as text in one column.
/// </summary>
/// <remarks>
/// <para>Text form: <c>$kmp$</c> + base64 of the envelope. Envelope: format byte (1), key id (4 bytes, big-endian),
/// nonce (12 random bytes), ciphertext, tag (16 bytes). The associated data binds the envelope to its record: format,
/// key id, record kind (memory or link), the record's id and its namespace, so an envelope copied onto another row,
/// or a row moved to another namespace, fails authentication instead of opening.</para>
/// <para>One seal per record (not per field), and per-thread buffers, keep the cost to a few hundred nanoseconds of
/// AES-GCM plus one base64 string per write.</para>
/// </remarks>
internal sealed class RecordSealer
{
    /// <summary>Starts every sealed value; no plaintext value of the columns used can start with it (JSON objects
    /// start with '{', link types are letters, digits, '_', '-' and ':').</summary>
    public const string Prefix = "$kmp$";

    public const byte MemoryKind = (byte)'M';
    public const byte LinkKind = (byte)'L';

    private const byte Format = 1;
    private const int NonceSize = 12;
    private const int HeaderSize = 1 + 4 + NonceSize;
    private const int Overhead = HeaderSize + KeyMaterial.TagSize;

    [ThreadStatic]
    private static byte[]? t_envelope;

    [ThreadStatic]
    private static byte[]? t_plaintext;

    [ThreadStatic]
    private static byte[]? t_nonces;

    [ThreadStatic]
    private static int t_nonceAt;

    public RecordSealer(MemoryKeyRing ring)
    {
        Ring = ring;
    }

    public MemoryKeyRing Ring { get; }

    public static bool IsSealed(string? text) => text is not null && text.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The id of the key a sealed value names (read from its header, nothing decrypted), or null when it is not a sealed value.</summary>
    public static uint? KeyIdOf(string? text)
    {
        if (!IsSealed(text) || text!.Length < Prefix.Length + 8)
        {
            return null;
        }

        // The first 8 base64 characters are the first 6 bytes: format and key id.
        Span<byte> head = stackalloc byte[6];
        return Convert.TryFromBase64Chars(text.AsSpan(Prefix.Length, 8), head, out int written) && written == 6 && head[0] == Format
            ? BinaryPrimitives.ReadUInt32BigEndian(head[1..])
            : null;
    }

    /// <summary>A per-thread buffer of at least <paramref name="size"/> bytes for the plaintext of one record.</summary>
    public static byte[] PlaintextBuffer(int size)
    {
        var buffer = t_plaintext;
        if (buffer is null || buffer.Length < size)
        {
            buffer = new byte[Math.Max(size, 1024)];
            t_plaintext = buffer;
        }

        return buffer;
    }

    /// <summary>Seals <paramref name="plaintext"/> under the primary key, bound to the record's kind, id and namespace.</summary>
    public string Seal(byte kind, string id, string ns, ReadOnlySpan<byte> plaintext)
    {
        var key = Ring.Primary;
        int length = Overhead + plaintext.Length;
        var envelope = t_envelope;
        if (envelope is null || envelope.Length < length)
        {
            envelope = new byte[Math.Max(length, 1024)];
            t_envelope = envelope;
        }

        var span = envelope.AsSpan(0, length);
        span[0] = Format;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], key.Id);
        var nonce = span.Slice(5, NonceSize);
        NextNonce(nonce);
        Span<byte> aadBuffer = stackalloc byte[512];
        var aad = AssociatedData(aadBuffer, span[..5], kind, id, ns, out var rented);
        key.Cipher.Encrypt(nonce, plaintext, span.Slice(HeaderSize, plaintext.Length), span[(HeaderSize + plaintext.Length)..], aad);

        return string.Create(Prefix.Length + (((length + 2) / 3) * 4), (envelope, length), static (chars, state) =>
        {
            Prefix.AsSpan().CopyTo(chars);
            Convert.TryToBase64Chars(state.envelope.AsSpan(0, state.length), chars[Prefix.Length..], out _);
        });
    }

    /// <summary>Opens a sealed value; the plaintext lives in a per-thread buffer until the next call on this thread.</summary>
    /// <exception cref="MemoryEncryptionException">Unknown key, failed authentication, or not a sealed value.</exception>
    public ReadOnlySpan<byte> Open(byte kind, string id, string ns, string text)
    {
        int maxLength = ((text.Length - Prefix.Length) / 4 * 3) + 3;
        var envelope = t_envelope;
        if (envelope is null || envelope.Length < maxLength)
        {
            envelope = new byte[Math.Max(maxLength, 1024)];
            t_envelope = envelope;
        }

        if (!Convert.TryFromBase64Chars(text.AsSpan(Prefix.Length), envelope, out int length) || length < Overhead || envelope[0] != Format)
        {
            throw new MemoryEncryptionException($"The stored data of {Describe(kind)} '{id}' in namespace '{ns}' is not a sealed value this version can read: it was changed or damaged. Restore the store from a backup.") { RecordId = id };
        }

        var span = envelope.AsSpan(0, length);
        uint keyId = BinaryPrimitives.ReadUInt32BigEndian(span[1..]);
        var key = Ring.Find(keyId) ?? throw new MemoryEncryptionException(
            $"{Capitalized(kind)} '{id}' in namespace '{ns}' was encrypted with key {MemoryKeyRing.FormatId(keyId)}, which is not in {Ring.Description} (that holds {string.Join(", ", Ring.Keys.Select(k => k.Id))}). The key is wrong or incomplete: use the key file or key the store was written with, or restore the key file from a backup.")
        {
            KeyId = MemoryKeyRing.FormatId(keyId),
            RecordId = id,
        };

        int plaintextLength = length - Overhead;
        var plaintext = PlaintextBuffer(plaintextLength);
        Span<byte> aadBuffer = stackalloc byte[512];
        var aad = AssociatedData(aadBuffer, span[..5], kind, id, ns, out _);
        try
        {
            key.Cipher.Decrypt(span.Slice(5, NonceSize), span.Slice(HeaderSize, plaintextLength), span[(HeaderSize + plaintextLength)..], plaintext.AsSpan(0, plaintextLength), aad);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new MemoryEncryptionException(
                $"{Capitalized(kind)} '{id}' in namespace '{ns}' fails authentication under key {key.IdText}: its stored data was changed, damaged or moved from another record. Nothing of it was used. Restore the store from a backup.",
                ex)
            {
                KeyId = key.IdText,
                RecordId = id,
            };
        }

        return plaintext.AsSpan(0, plaintextLength);
    }

    /// <summary>
    /// A fresh random nonce. Random bytes are drawn from the operating system 256 nonces at a time (one system call
    /// per seal cost as much as the seal itself); each nonce is still 96 independent random bits, used once.
    /// </summary>
    private static void NextNonce(Span<byte> nonce)
    {
        const int Batch = 256;
        var nonces = t_nonces;
        if (nonces is null || t_nonceAt >= Batch)
        {
            nonces ??= t_nonces = new byte[Batch * NonceSize];
            RandomNumberGenerator.Fill(nonces);
            t_nonceAt = 0;
        }

        var next = nonces.AsSpan(t_nonceAt++ * NonceSize, NonceSize);
        next.CopyTo(nonce);
        next.Clear();
    }

    private static ReadOnlySpan<byte> AssociatedData(Span<byte> buffer, ReadOnlySpan<byte> header, byte kind, string id, string ns, out byte[]? rented)
    {
        int max = header.Length + 2 + Encoding.UTF8.GetMaxByteCount(id.Length) + Encoding.UTF8.GetMaxByteCount(ns.Length);
        rented = null;
        if (max > buffer.Length)
        {
            rented = new byte[max];
            buffer = rented;
        }

        header.CopyTo(buffer);
        int at = header.Length;
        buffer[at++] = kind;
        at += Encoding.UTF8.GetBytes(id, buffer[at..]);
        buffer[at++] = 0;
        at += Encoding.UTF8.GetBytes(ns, buffer[at..]);
        return buffer[..at];
    }

    private static string Describe(byte kind) => kind == LinkKind ? "link" : "memory";

    private static string Capitalized(byte kind) => kind == LinkKind ? "Link" : "Memory";
}
