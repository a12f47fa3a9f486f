using Google.Protobuf;
using Parity.Storage;

namespace Parity.Tests.Storage;

public class DagPbCodecTests
{
    private static readonly Cid Child = Cid.Of("child"u8, Multicodec.Raw, 1);

    [Fact]
    public void Links_are_encoded_before_data_and_decode_back()
    {
        var node = new PbNode([new PbLink(Child, "", 5), new PbLink(Child, null, null)], [1, 2, 3]);
        var bytes = DagPbCodec.Encode(node);
        Assert.Equal(0x12, bytes[0]); // field 2 (Links) first: the canonical order the CID depends on
        var back = DagPbCodec.Decode(bytes);
        Assert.Equal(node.Data, back.Data);
        Assert.Equal(node.Links, back.Links);
    }

    [Fact]
    public void Data_before_links_is_refused()
    {
        var link = DagPbCodec.Encode(new PbNode([new PbLink(Child, null, 1)], null));
        var data = DagPbCodec.Encode(new PbNode([], [9]));
        var e = Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode([.. data, .. link]));
        Assert.Contains("links[0] comes after Data", e.Message);
    }

    [Fact]
    public void Unknown_fields_bad_hashes_and_out_of_order_link_fields_are_refused()
    {
        Assert.Contains("field 3", Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode([0x18, 0x01])).Message);

        var badHash = Link(w => { w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(1, 2, 3)); });
        Assert.Contains("links[0].Hash", Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode(badHash)).Message);

        var nameFirst = Link(w =>
        {
            w.WriteTag(2, WireFormat.WireType.LengthDelimited); w.WriteString("a");
            w.WriteTag(1, WireFormat.WireType.LengthDelimited); w.WriteBytes(ByteString.CopyFrom(Child.ToBytes()));
        });
        Assert.Contains("out of order", Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode(nameFirst)).Message);

        var noHash = Link(w => { w.WriteTag(3, WireFormat.WireType.Varint); w.WriteUInt64(4); });
        Assert.Contains("has no Hash", Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode(noHash)).Message);

        Assert.Contains("not a protobuf", Assert.Throws<DagPbFormatException>(() => DagPbCodec.Decode([0x0a, 0x05, 0x01])).Message);
    }

    [Fact]
    public void UnixFs_data_round_trips_and_rejects_unknown_types()
    {
        var data = new UnixFsData(UnixFsType.File, null, 1000, [262144, 262144, 475712]);
        var back = UnixFsData.Decode(data.Encode());
        Assert.Equal(UnixFsType.File, back.Type);
        Assert.Equal(1000UL, back.FileSize);
        Assert.Equal(data.BlockSizes, back.BlockSizes);
        Assert.Contains("UnixFS Type 9", Assert.Throws<DagPbFormatException>(() => UnixFsData.Decode([0x08, 0x09])).Message);
        Assert.Contains("no Type", Assert.Throws<DagPbFormatException>(() => UnixFsData.Decode([0x18, 0x01])).Message);
    }

    private static byte[] Link(Action<CodedOutputStream> write)
    {
        using var inner = new MemoryStream();
        var w = new CodedOutputStream(inner);
        write(w);
        w.Flush();
        using var outer = new MemoryStream();
        var o = new CodedOutputStream(outer);
        o.WriteTag(2, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(ByteString.CopyFrom(inner.ToArray()));
        o.Flush();
        return outer.ToArray();
    }
}
