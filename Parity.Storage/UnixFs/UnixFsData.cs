using Google.Protobuf;

namespace Parity.Storage;

/// <summary>
/// The UnixFS message inside a dag-pb node's Data. Only what files need is kept (type, inline data, file size, child
/// block sizes); mode, mtime, hash type and fanout are read past. Encoding writes fields in number order with
/// blocksizes unpacked, as unixfs.proto (proto2) does, because Kubo-identical CIDs depend on those exact bytes.
/// </summary>
public sealed record UnixFsData(UnixFsType Type, byte[]? Data, ulong? FileSize, IReadOnlyList<ulong> BlockSizes)
{
    public byte[] Encode()
    {
        using var stream = new MemoryStream();
        var output = new CodedOutputStream(stream);
        output.WriteTag(1, WireFormat.WireType.Varint);
        output.WriteEnum((int)Type);
        if (Data is { } data)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(data));
        }
        if (FileSize is { } size)
        {
            output.WriteTag(3, WireFormat.WireType.Varint);
            output.WriteUInt64(size);
        }
        foreach (var blockSize in BlockSizes)
        {
            output.WriteTag(4, WireFormat.WireType.Varint);
            output.WriteUInt64(blockSize);
        }
        output.Flush();
        return stream.ToArray();
    }

    public static UnixFsData Decode(ReadOnlySpan<byte> bytes)
    {
        var input = new CodedInputStream(bytes.ToArray());
        UnixFsType? type = null;
        byte[]? data = null;
        ulong? fileSize = null;
        var blockSizes = new List<ulong>();
        try
        {
            while (!input.IsAtEnd)
            {
                var tag = input.ReadTag();
                var field = WireFormat.GetTagFieldNumber(tag);
                var wire = WireFormat.GetTagWireType(tag);
                switch (field)
                {
                    case 1 when wire == WireFormat.WireType.Varint:
                        var value = input.ReadEnum();
                        type = Enum.IsDefined((UnixFsType)value)
                            ? (UnixFsType)value
                            : throw new DagPbFormatException($"UnixFS Type {value} is not a UnixFS type");
                        break;
                    case 2 when wire == WireFormat.WireType.LengthDelimited:
                        data = input.ReadBytes().ToByteArray();
                        break;
                    case 3 when wire == WireFormat.WireType.Varint:
                        fileSize = input.ReadUInt64();
                        break;
                    case 4 when wire == WireFormat.WireType.Varint:
                        blockSizes.Add(input.ReadUInt64());
                        break;
                    case 4 when wire == WireFormat.WireType.LengthDelimited:
                        // Packed blocksizes: not what Kubo writes, but a valid proto2 encoding of the same field.
                        var packed = new CodedInputStream(input.ReadBytes().ToByteArray());
                        while (!packed.IsAtEnd) blockSizes.Add(packed.ReadUInt64());
                        break;
                    case >= 5 and <= 8:
                        input.SkipLastField();
                        break;
                    default:
                        throw new DagPbFormatException($"UnixFS field {field} (wire type {(int)wire}) is not part of a UnixFS message");
                }
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DagPbFormatException($"UnixFS Data is not a protobuf message: {e.Message}");
        }
        return type is null
            ? throw new DagPbFormatException("UnixFS Data has no Type")
            : new UnixFsData(type.Value, data, fileSize, blockSizes);
    }
}
