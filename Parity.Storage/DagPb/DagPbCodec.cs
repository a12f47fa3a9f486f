using System.Text;
using Google.Protobuf;

namespace Parity.Storage;

/// <summary>
/// dag-pb encoding with the spec's strict rules. The bytes must be canonical because the CID is their hash: links
/// (field 2) are written before data (field 1), link fields in the order Hash, Name, Tsize, and decoding refuses any
/// other order, unknown fields or repeated single fields, so two byte strings never decode to the same node.
/// </summary>
public static class DagPbCodec
{
    private const int LengthDelimited = 2;
    private const int VarintWire = 0;

    public static byte[] Encode(PbNode node)
    {
        var size = 0;
        foreach (var link in node.Links)
        {
            var linkSize = LinkSize(link);
            size += 1 + CodedOutputStream.ComputeLengthSize(linkSize) + linkSize;
        }
        if (node.Data is { } data) size += 1 + CodedOutputStream.ComputeLengthSize(data.Length) + data.Length;

        var bytes = new byte[size];
        var output = new CodedOutputStream(bytes);
        foreach (var link in node.Links)
        {
            output.WriteTag(2, WireFormat.WireType.LengthDelimited);
            output.WriteLength(LinkSize(link));
            var hash = link.Hash.ToBytes();
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(hash));
            if (link.Name is { } name)
            {
                output.WriteTag(2, WireFormat.WireType.LengthDelimited);
                output.WriteString(name);
            }
            if (link.Tsize is { } tsize)
            {
                output.WriteTag(3, WireFormat.WireType.Varint);
                output.WriteUInt64(tsize);
            }
        }
        if (node.Data is { } d)
        {
            output.WriteTag(1, WireFormat.WireType.LengthDelimited);
            output.WriteBytes(ByteString.CopyFrom(d));
        }
        output.Flush();
        output.CheckNoSpaceLeft();
        return bytes;
    }

    private static int LinkSize(PbLink link)
    {
        var hashLength = link.Hash.EncodedLength;
        var size = 1 + CodedOutputStream.ComputeLengthSize(hashLength) + hashLength;
        if (link.Name is { } name) size += 1 + CodedOutputStream.ComputeStringSize(name);
        if (link.Tsize is { } tsize) size += 1 + CodedOutputStream.ComputeUInt64Size(tsize);
        return size;
    }

    public static PbNode Decode(ReadOnlySpan<byte> block)
    {
        var input = new CodedInputStream(block.ToArray());
        var links = new List<PbLink>();
        byte[]? data = null;
        try
        {
            while (!input.IsAtEnd)
            {
                var tag = input.ReadTag();
                var field = WireFormat.GetTagFieldNumber(tag);
                var wire = (int)WireFormat.GetTagWireType(tag);
                if (field == 2 && wire == LengthDelimited)
                {
                    if (data is not null) throw new DagPbFormatException($"links[{links.Count}] comes after Data (links must come first)");
                    links.Add(DecodeLink(input.ReadBytes().Span, links.Count));
                }
                else if (field == 1 && wire == LengthDelimited)
                {
                    if (data is not null) throw new DagPbFormatException("Data appears twice");
                    data = input.ReadBytes().ToByteArray();
                }
                else
                    throw new DagPbFormatException($"field {field} (wire type {wire}) is not part of a dag-pb node");
            }
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new DagPbFormatException($"not a protobuf message: {e.Message}");
        }
        return new PbNode(links, data);
    }

    private static PbLink DecodeLink(ReadOnlySpan<byte> bytes, int index)
    {
        var input = new CodedInputStream(bytes.ToArray());
        Cid? hash = null;
        string? name = null;
        ulong? tsize = null;
        var last = 0;
        while (!input.IsAtEnd)
        {
            var tag = input.ReadTag();
            var field = WireFormat.GetTagFieldNumber(tag);
            var wire = (int)WireFormat.GetTagWireType(tag);
            if (field <= last)
                throw new DagPbFormatException($"links[{index}]: field {field} is repeated or out of order (Hash, Name, Tsize)");
            last = field;
            switch (field)
            {
                case 1 when wire == LengthDelimited:
                    try { hash = Cid.FromBytes(input.ReadBytes().Span); }
                    catch (CidFormatException e) { throw new DagPbFormatException($"links[{index}].Hash: {e.Message}"); }
                    break;
                case 2 when wire == LengthDelimited:
                    var raw = input.ReadBytes();
                    try { name = new UTF8Encoding(false, true).GetString(raw.Span); }
                    catch (DecoderFallbackException) { throw new DagPbFormatException($"links[{index}].Name is not UTF-8"); }
                    break;
                case 3 when wire == VarintWire:
                    tsize = input.ReadUInt64();
                    break;
                default:
                    throw new DagPbFormatException($"links[{index}]: field {field} (wire type {wire}) is not part of a dag-pb link");
            }
        }
        return hash is null
            ? throw new DagPbFormatException($"links[{index}] has no Hash")
            : new PbLink(hash, name, tsize);
    }
}
