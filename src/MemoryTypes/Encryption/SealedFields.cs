using System.Text;

namespace KernelMemoryPlus.Encryption;

/// <summary>
/// The plaintext inside a record's envelope: the sensitive fields, length-prefixed UTF-8 in a fixed order (much
/// cheaper than JSON, and the order is the format: append fields at the end, bump <see cref="Version"/> to change it).
/// </summary>
/// <remarks>
/// Memory: version, content, session id, subject, predicate, object, procedure name, tags, steps, metadata.
/// Link: version, type. A string is a varint of (UTF-8 length + 1), 0 for null, then its bytes; a list is a varint
/// count then its strings; metadata is a count then key and value strings.
/// </remarks>
internal static class SealedFields
{
    private const byte Version = 1;

    public static string SealMemory(RecordSealer sealer, MemoryRecord r)
    {
        var tags = r.Tags;
        var steps = r.Steps;
        int size = 1 + Max(r.Content) + Max(r.SessionId) + Max(r.Subject) + Max(r.Predicate) + Max(r.Object) + Max(r.ProcedureName) + 15;
        for (int i = 0; i < tags.Count; i++)
        {
            size += Max(tags[i]);
        }

        for (int i = 0; i < steps.Count; i++)
        {
            size += Max(steps[i]);
        }

        foreach (var (key, value) in r.Metadata)
        {
            size += Max(key) + Max(value);
        }

        var buffer = RecordSealer.PlaintextBuffer(size);
        var writer = new Writer(buffer);
        writer.Byte(Version);
        writer.String(r.Content);
        writer.String(r.SessionId);
        writer.String(r.Subject);
        writer.String(r.Predicate);
        writer.String(r.Object);
        writer.String(r.ProcedureName);
        writer.Count(tags.Count);
        for (int i = 0; i < tags.Count; i++)
        {
            writer.String(tags[i]);
        }

        writer.Count(steps.Count);
        for (int i = 0; i < steps.Count; i++)
        {
            writer.String(steps[i]);
        }

        writer.Count(r.Metadata.Count);
        foreach (var (key, value) in r.Metadata)
        {
            writer.String(key);
            writer.String(value);
        }

        return sealer.Seal(RecordSealer.MemoryKind, r.Id, r.Namespace, buffer.AsSpan(0, writer.Position));
    }

    public static MemoryFields OpenMemory(RecordSealer sealer, string id, string ns, string sealedText)
    {
        var reader = new Reader(sealer.Open(RecordSealer.MemoryKind, id, ns, sealedText), id);
        reader.CheckVersion();
        var fields = new MemoryFields
        {
            Content = reader.String() ?? string.Empty,
            SessionId = reader.String(),
            Subject = reader.String(),
            Predicate = reader.String(),
            Object = reader.String(),
            ProcedureName = reader.String(),
        };

        int tags = reader.Count();
        var tagList = tags == 0 ? [] : new string[tags];
        for (int i = 0; i < tags; i++)
        {
            tagList[i] = reader.String() ?? string.Empty;
        }

        int steps = reader.Count();
        var stepList = new List<string>(steps);
        for (int i = 0; i < steps; i++)
        {
            stepList.Add(reader.String() ?? string.Empty);
        }

        int entries = reader.Count();
        var metadata = new Dictionary<string, string>(entries, StringComparer.Ordinal);
        for (int i = 0; i < entries; i++)
        {
            var key = reader.String() ?? string.Empty;
            metadata[key] = reader.String() ?? string.Empty;
        }

        fields.Tags = tagList;
        fields.Steps = stepList;
        fields.Metadata = metadata;
        return fields;
    }

    public static string SealLink(RecordSealer sealer, MemoryLink link)
    {
        var buffer = RecordSealer.PlaintextBuffer(1 + Max(link.Type));
        var writer = new Writer(buffer);
        writer.Byte(Version);
        writer.String(link.Type);
        return sealer.Seal(RecordSealer.LinkKind, link.Id, link.Namespace, buffer.AsSpan(0, writer.Position));
    }

    public static string OpenLink(RecordSealer sealer, string id, string ns, string sealedText)
    {
        var reader = new Reader(sealer.Open(RecordSealer.LinkKind, id, ns, sealedText), id);
        reader.CheckVersion();
        return reader.String() ?? string.Empty;
    }

    private static int Max(string? s) => s is null ? 1 : 5 + Encoding.UTF8.GetMaxByteCount(s.Length);

    /// <summary>The sensitive fields of a memory, as read from its envelope.</summary>
    internal sealed class MemoryFields
    {
        public string Content { get; init; } = string.Empty;

        public string? SessionId { get; init; }

        public string? Subject { get; init; }

        public string? Predicate { get; init; }

        public string? Object { get; init; }

        public string? ProcedureName { get; init; }

        public IReadOnlyList<string> Tags { get; set; } = [];

        public IReadOnlyList<string> Steps { get; set; } = [];

        public IReadOnlyDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
    }

    private ref struct Writer(byte[] buffer)
    {
        private readonly byte[] _buffer = buffer;

        public int Position { get; private set; }

        public void Byte(byte value) => _buffer[Position++] = value;

        public void Count(int count) => VarInt((uint)count);

        public void String(string? value)
        {
            if (value is null)
            {
                VarInt(0);
                return;
            }

            // Written after a 5-byte gap, then the length is put in front (and the bytes moved when it is shorter).
            int start = Position;
            int length = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(start + 5));
            Position = start;
            VarInt((uint)length + 1);
            if (Position != start + 5)
            {
                _buffer.AsSpan(start + 5, length).CopyTo(_buffer.AsSpan(Position));
            }

            Position += length;
        }

        private void VarInt(uint value)
        {
            while (value >= 0x80)
            {
                _buffer[Position++] = (byte)(value | 0x80);
                value >>= 7;
            }

            _buffer[Position++] = (byte)value;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data, string id)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private readonly string _id = id;
        private int _position;

        public void CheckVersion()
        {
            if (_data.Length == 0 || _data[_position++] != Version)
            {
                throw Malformed();
            }
        }

        public int Count()
        {
            uint count = VarInt();
            return count > (uint)_data.Length ? throw Malformed() : (int)count;
        }

        public string? String()
        {
            uint marker = VarInt();
            if (marker == 0)
            {
                return null;
            }

            int length = (int)(marker - 1);
            if (marker - 1 > (uint)(_data.Length - _position))
            {
                throw Malformed();
            }

            var value = length == 0 ? string.Empty : Encoding.UTF8.GetString(_data.Slice(_position, length));
            _position += length;
            return value;
        }

        private uint VarInt()
        {
            uint value = 0;
            for (int shift = 0; shift < 35; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw Malformed();
                }

                byte b = _data[_position++];
                value |= (uint)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }

            throw Malformed();
        }

        private readonly MemoryEncryptionException Malformed() =>
            new($"The sealed data of '{_id}' opened but its fields are malformed (written by a newer version?). Upgrade KernelMemoryPlus, or restore the store from a backup.") { RecordId = _id };
    }
}
