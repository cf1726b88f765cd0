using System.Text;

namespace KernelMemoryPlus.Tests.Encryption;

/// <summary>Byte-wise search of a data folder for stored plaintext (shared with the server tests, linked there).</summary>
internal static class DataFolderScan
{
    /// <summary>The files (recursively) holding <paramref name="secret"/> as UTF-8 or UTF-16 (either byte order), ignoring ASCII case.</summary>
    public static List<string> FilesContaining(string directory, string secret)
    {
        var needles = new[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode }.Select(e => e.GetBytes(secret.ToLowerInvariant())).ToList();
        var found = new List<string>();
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            byte[] bytes;
            using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            {
                bytes = new byte[stream.Length];
                stream.ReadExactly(bytes);
            }

            for (int i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] is >= (byte)'A' and <= (byte)'Z')
                {
                    bytes[i] += 32;
                }
            }

            if (needles.Any(n => bytes.AsSpan().IndexOf(n) >= 0))
            {
                found.Add(Path.GetFileName(file));
            }
        }

        return found;
    }
}
