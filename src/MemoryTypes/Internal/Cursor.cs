using System.Buffers.Text;
using System.Text;

namespace KernelMemoryPlus.Internal;

/// <summary>Opaque paging cursors (base64url of the last id seen).</summary>
internal static class Cursor
{
    public static string Encode(string lastId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("v1:" + lastId));

    public static string Decode(string cursor)
    {
        try
        {
            if (cursor.Length > 512)
            {
                throw new FormatException();
            }

            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (!text.StartsWith("v1:", StringComparison.Ordinal) || text.Length == 3)
            {
                throw new FormatException();
            }

            return text[3..];
        }
        catch (FormatException)
        {
            throw new MemoryValidationException("cursor", "The cursor is not one this server issued; pass the nextCursor of the previous page unchanged, or omit it for the first page.");
        }
    }
}
