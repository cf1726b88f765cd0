using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace KernelMemoryPlus.Retrieval;

/// <summary>
/// The saved approximate vector graph of one namespace, in a folder: a USearch file with the graph and a map file
/// that commits it. A restart loads the graph from these files instead of rebuilding it (see
/// <see cref="FlatVectorIndex.WarmUp(Func{SavedGraph?})"/>).
/// </summary>
/// <remarks>
/// <para>
/// Files, named after a hash of the namespace (its name is not written): <c>ns-HASH.GENERATION.usearch</c>, the graph
/// as USearch writes it (int8 codes, links, keys = slots), and <c>ns-HASH.hnsw</c>, the map: format version,
/// dimensions, the change sequence and time of the save, the graph file's name, length and CRC-32C, and per slot the
/// hash of the vector it held; the map ends with its own CRC-32C. No memory content is written, only quantized
/// vectors, which the store keeps unencrypted as well.
/// </para>
/// <para>
/// Writes are atomic: the graph goes to a new file (temporary name, flushed to disk, renamed), then the map to a
/// temporary file that replaces the old map by rename — the commit — and only then are older graph files deleted.
/// A crash leaves either the old pair or the new one, plus at most an orphan file the next save removes. A map or
/// graph that is truncated, corrupt, of another format or dimension fails its checks on load and the graph is
/// rebuilt; the checksum also keeps a damaged file away from the native loader.
/// </para>
/// <para>Thread safety: one save at a time per instance (the owning namespace index ensures it); loads may overlap them.</para>
/// </remarks>
internal sealed class VectorGraphFiles
{
    private const int FormatVersion = 1;
    private const string MapExtension = ".hnsw";
    private const string GraphExtension = ".usearch";
    private const string TemporarySuffix = ".tmp";
    private static readonly byte[] Magic = "KMPHNSW\n"u8.ToArray();

    private readonly string _directory;
    private readonly string _stem;

    /// <summary>Creates the file set of a namespace in a folder (created on the first save).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="ns">The namespace.</param>
    public VectorGraphFiles(string directory, string ns)
    {
        _directory = Path.GetFullPath(directory);
        _stem = "ns-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ns)).AsSpan(0, 16));
    }

    /// <summary>The map file, whose presence means a graph was saved.</summary>
    public string MapPath => Path.Combine(_directory, _stem + MapExtension);

    /// <summary>
    /// The saved graph, checked (map checksum, format, dimensions, graph file length and checksum), or null when none
    /// was saved. Reads the whole graph file once for its checksum.
    /// </summary>
    /// <param name="dimensions">The dimensions the vectors have now.</param>
    /// <exception cref="InvalidDataException">The files are truncated, corrupt, of another format or dimension.</exception>
    /// <exception cref="IOException">A file could not be read.</exception>
    public SavedGraph? Open(int dimensions)
    {
        byte[] map;
        try
        {
            map = File.ReadAllBytes(MapPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (map.Length < Magic.Length + 4 || !map.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"'{MapPath}' is not a saved vector index map.");
        }

        uint expected = BinaryPrimitives.ReadUInt32LittleEndian(map.AsSpan(map.Length - 4));
        if (Crc32C(0, map.AsSpan(0, map.Length - 4)) != expected)
        {
            throw new InvalidDataException($"'{MapPath}' is truncated or corrupt (checksum mismatch).");
        }

        using var reader = new BinaryReader(new MemoryStream(map, Magic.Length, map.Length - Magic.Length - 4), Encoding.UTF8);
        int version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"'{MapPath}' has format version {version}; this version reads {FormatVersion}.");
        }

        int savedDimensions = reader.ReadInt32();
        if (savedDimensions != dimensions)
        {
            throw new InvalidDataException($"'{MapPath}' holds {savedDimensions}-dimensional vectors; the namespace has {dimensions}.");
        }

        long sequence = reader.ReadInt64();
        _ = reader.ReadInt64(); // saved at (Unix ms), for people reading the file
        int count = reader.ReadInt32();
        string graphName = reader.ReadString();
        long graphLength = reader.ReadInt64();
        uint graphChecksum = reader.ReadUInt32();
        int slots = reader.ReadInt32();
        if (count < 0 || slots < count || (long)slots * sizeof(ulong) != reader.BaseStream.Length - reader.BaseStream.Position
            || graphName.Length == 0 || Path.GetFileName(graphName) != graphName || !graphName.EndsWith(GraphExtension, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"'{MapPath}' is inconsistent.");
        }

        var hashes = new ulong[slots];
        reader.BaseStream.ReadExactly(MemoryMarshal.AsBytes(hashes.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < hashes.Length; i++)
            {
                hashes[i] = BinaryPrimitives.ReverseEndianness(hashes[i]);
            }
        }

        string graphPath = Path.Combine(_directory, graphName);
        try
        {
            var (length, checksum) = Checksum(graphPath, flushToDisk: false);
            if (length != graphLength || checksum != graphChecksum)
            {
                throw new InvalidDataException($"'{graphPath}' is truncated or corrupt ({length:N0} bytes, {graphLength:N0} expected; checksum {(checksum == graphChecksum ? "ok" : "mismatch")}).");
            }
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidDataException($"The saved graph '{graphPath}' that '{MapPath}' names is missing.", ex);
        }

        return new SavedGraph(graphPath, hashes, count, sequence);
    }

    /// <summary>
    /// Writes the live graph of <paramref name="vectors"/> to a new graph file (the part that needs the namespace's
    /// read lock); <see cref="Commit"/> then makes it the saved one. Null when there is no live graph.
    /// </summary>
    /// <param name="vectors">The index (read lock held by the caller).</param>
    public PendingGraph? Write(FlatVectorIndex vectors)
    {
        Directory.CreateDirectory(_directory);
        string graphName = $"{_stem}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}{GraphExtension}";
        string temporary = Path.Combine(_directory, graphName + TemporarySuffix);
        try
        {
            var snapshot = vectors.SaveApproximateIndex(temporary);
            if (snapshot is null)
            {
                TryDelete(temporary);
                return null;
            }

            return new PendingGraph(graphName, temporary, snapshot);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Makes a written graph the saved one (no lock needed): checksums and flushes it, renames it into place, replaces
    /// the map, deletes the older graph files. Returns the bytes written.
    /// </summary>
    /// <param name="pending">What <see cref="Write"/> returned.</param>
    /// <param name="dimensions">The vectors' dimensions.</param>
    /// <param name="sequence">The change sequence the graph reflects.</param>
    public long Commit(PendingGraph pending, int dimensions, long sequence)
    {
        string graphPath = Path.Combine(_directory, pending.GraphName);
        string mapTemporary = MapPath + TemporarySuffix;
        try
        {
            var (length, checksum) = Checksum(pending.TemporaryPath, flushToDisk: true);
            File.Move(pending.TemporaryPath, graphPath, overwrite: true);

            using (var stream = new MemoryStream())
            {
                using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(FormatVersion);
                    writer.Write(dimensions);
                    writer.Write(sequence);
                    writer.Write(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                    writer.Write(pending.Snapshot.Count);
                    writer.Write(pending.GraphName);
                    writer.Write(length);
                    writer.Write(checksum);
                    writer.Write(pending.Snapshot.SlotHashes.Length);
                    foreach (ulong hash in pending.Snapshot.SlotHashes)
                    {
                        writer.Write(hash);
                    }
                }

                uint mapChecksum = Crc32C(0, stream.GetBuffer().AsSpan(0, (int)stream.Length));
                Span<byte> tail = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(tail, mapChecksum);
                stream.Write(tail);
                using var file = new FileStream(mapTemporary, FileMode.Create, FileAccess.Write, FileShare.None);
                stream.Position = 0;
                stream.CopyTo(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(mapTemporary, MapPath, overwrite: true);
            DeleteOtherGraphs(pending.GraphName);
            return length;
        }
        catch
        {
            TryDelete(pending.TemporaryPath);
            TryDelete(mapTemporary);
            throw;
        }
    }

    private void DeleteOtherGraphs(string? keep)
    {
        if (!Directory.Exists(_directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(_directory, _stem + ".*"))
        {
            var name = Path.GetFileName(path);
            bool graph = name.EndsWith(GraphExtension, StringComparison.Ordinal) || name.EndsWith(GraphExtension + TemporarySuffix, StringComparison.Ordinal);
            if (graph && name != keep)
            {
                TryDelete(path);
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left for the next save to remove.
        }
    }

    /// <summary>Length and CRC-32C of a file, read in 1 MiB blocks; optionally flushed to disk first (fsync).</summary>
    private static (long Length, uint Checksum) Checksum(string path, bool flushToDisk)
    {
        using var file = new FileStream(path, FileMode.Open, flushToDisk ? FileAccess.ReadWrite : FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        if (flushToDisk)
        {
            file.Flush(flushToDisk: true);
        }

        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            uint crc = 0;
            long length = 0;
            int read;
            while ((read = file.Read(buffer, 0, 1 << 20)) > 0)
            {
                crc = Crc32C(crc, buffer.AsSpan(0, read));
                length += read;
            }

            return (length, crc);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated where the CPU has it.</summary>
    internal static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        var words = MemoryMarshal.Cast<byte, ulong>(data);
        foreach (ulong word in words)
        {
            crc = BitOperations.Crc32C(crc, word);
        }

        for (int i = words.Length * sizeof(ulong); i < data.Length; i++)
        {
            crc = BitOperations.Crc32C(crc, data[i]);
        }

        return ~crc;
    }
}

/// <summary>A graph written by <see cref="VectorGraphFiles.Write"/>, not yet committed.</summary>
/// <param name="GraphName">Its final file name.</param>
/// <param name="TemporaryPath">Where it was written.</param>
/// <param name="Snapshot">The slot hashes and count written with it.</param>
internal sealed record PendingGraph(string GraphName, string TemporaryPath, GraphSnapshot Snapshot);
