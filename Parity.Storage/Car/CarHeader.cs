using System.Formats.Cbor;

namespace Parity.Storage;

/// <summary>
/// The CARv1 header: a dag-cbor map {roots: [CID…], version: 1}. CIDs in dag-cbor are tag 42 over a byte string of a
/// 0x00 (the identity multibase) and the binary CID.
/// </summary>
public sealed record CarHeader(IReadOnlyList<Cid> Roots)
{
    private const ulong CidTag = 42;

    public byte[] Encode()
    {
        // Canonical dag-cbor: keys sorted by length, then bytes ("roots" before "version").
        var writer = new CborWriter(CborConformanceMode.Canonical);
        writer.WriteStartMap(2);
        writer.WriteTextString("roots");
        writer.WriteStartArray(Roots.Count);
        foreach (var root in Roots)
        {
            writer.WriteTag((CborTag)CidTag);
            writer.WriteByteString([0, .. root.ToBytes()]);
        }
        writer.WriteEndArray();
        writer.WriteTextString("version");
        writer.WriteUInt64(1);
        writer.WriteEndMap();
        return writer.Encode();
    }

    public static CarHeader Decode(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var reader = new CborReader(bytes, CborConformanceMode.Strict);
            var count = reader.ReadStartMap();
            ulong? version = null;
            List<Cid>? roots = null;
            for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndMap : i < count; i++)
            {
                var key = reader.ReadTextString();
                switch (key)
                {
                    case "version":
                        version = reader.ReadUInt64();
                        break;
                    case "roots":
                        roots = ReadRoots(reader);
                        break;
                    default:
                        reader.SkipValue();
                        break;
                }
            }
            reader.ReadEndMap();
            if (reader.BytesRemaining != 0) throw new CarFormatException($"CAR header has {reader.BytesRemaining} byte(s) after its map");
            if (version != 1) throw new CarFormatException(version is null ? "CAR header has no version" : $"CAR version {version} is not supported (only 1)");
            if (roots is null || roots.Count == 0) throw new CarFormatException("CAR header has no roots");
            return new CarHeader(roots);
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or CidFormatException)
        {
            throw new CarFormatException($"CAR header is not a valid dag-cbor header: {e.Message}");
        }
    }

    private static List<Cid> ReadRoots(CborReader reader)
    {
        var roots = new List<Cid>();
        var count = reader.ReadStartArray();
        for (var i = 0; count is null ? reader.PeekState() != CborReaderState.EndArray : i < count; i++)
        {
            if (reader.ReadTag() != (CborTag)CidTag) throw new CarFormatException($"CAR header roots[{i}] is not a CID (tag 42)");
            var bytes = reader.ReadByteString();
            if (bytes.Length < 2 || bytes[0] != 0) throw new CarFormatException($"CAR header roots[{i}] lacks the 0x00 multibase prefix");
            roots.Add(Cid.FromBytes(bytes.AsSpan(1)));
        }
        reader.ReadEndArray();
        return roots;
    }
}
