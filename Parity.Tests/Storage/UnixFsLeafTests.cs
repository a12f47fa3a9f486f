using Parity.Storage;

namespace Parity.Tests.Storage;

/// <summary>The leaf fast path finds the chunk in place, and accepts nothing the full decoder would read differently.</summary>
public sealed class UnixFsLeafTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(300)]
    [InlineData(262_144)]
    public void A_leaf_as_the_importer_and_Kubo_write_it_is_found_in_place(int size)
    {
        var chunk = new byte[size];
        new Random(size).NextBytes(chunk);
        var block = UnixFsImporter.EncodeFileLeaf(chunk);

        Assert.True(UnixFsLeaf.TryFind(block, out var offset, out var length));

        Assert.Equal(chunk, block.AsSpan(offset, length).ToArray());
        var full = UnixFsData.Decode(DagPbCodec.Decode(block).Data);
        Assert.Equal((UnixFsType.File, (ulong?)(ulong)size, 0), (full.Type, full.FileSize, full.BlockSizes.Count));
    }

    public static TheoryData<string, byte[]> OtherShapes() => new()
    {
        // 0A len { 08 02 12 03 'abc' 18 03 } is the leaf; each of these differs from it in one way.
        { "type Raw", [0x0A, 0x09, 0x08, 0x00, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x03] },
        { "filesize differs", [0x0A, 0x09, 0x08, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x04] },
        { "no filesize", [0x0A, 0x07, 0x08, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63] },
        { "a trailing byte", [0x0A, 0x09, 0x08, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x03, 0x00] },
        { "a non-minimal varint", [0x0A, 0x0A, 0x08, 0x02, 0x12, 0x83, 0x00, 0x61, 0x62, 0x63, 0x18, 0x03] },
        { "a blocksize after filesize", [0x0A, 0x0B, 0x08, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x03, 0x20, 0x03] },
        { "a link before Data", [0x12, 0x00, 0x0A, 0x09, 0x08, 0x02, 0x12, 0x03, 0x61, 0x62, 0x63, 0x18, 0x03] },
        { "Data longer than the block", [0x0A, 0x09, 0x08, 0x02, 0x12, 0x7F, 0x61, 0x62, 0x63, 0x18, 0x03] },
    };

    [Theory]
    [MemberData(nameof(OtherShapes))]
    public void Any_other_shape_is_left_to_the_full_decoder(string shape, byte[] block)
    {
        Assert.False(UnixFsLeaf.TryFind(block, out _, out _), shape);
    }

    [Fact]
    public void Whatever_the_fast_path_accepts_the_full_decoder_reads_the_same_way()
    {
        var chunk = new byte[200];
        new Random(3).NextBytes(chunk);
        var leaf = UnixFsImporter.EncodeFileLeaf(chunk);
        var random = new Random(11);
        var accepted = 0;
        for (var trial = 0; trial < 20_000; trial++)
        {
            var block = (byte[])leaf.Clone();
            // One to three bytes changed, among the first few (the framing) or anywhere.
            for (var k = random.Next(1, 4); k > 0; k--)
                block[random.Next(2) == 0 ? random.Next(8) : random.Next(block.Length)] = (byte)random.Next(256);
            if (!UnixFsLeaf.TryFind(block, out var offset, out var length)) continue;
            accepted++;
            var node = DagPbCodec.Decode(block);
            var data = UnixFsData.Decode(node.Data);
            Assert.Empty(node.Links);
            Assert.Equal(UnixFsType.File, data.Type);
            Assert.Empty(data.BlockSizes);
            Assert.Equal((ulong)length, data.FileSize);
            Assert.Equal(data.Data ?? [], block.AsSpan(offset, length).ToArray());
        }
        Assert.True(accepted > 100, $"only {accepted} mutated blocks were accepted; the property was barely tried");
    }
}
