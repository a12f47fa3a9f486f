using Parity.Storage;

namespace Parity.Tests.Storage;

public class CidTests
{
    // The pair the IPFS docs use to show one content in both versions (docs.ipfs.tech, "Content addressing").
    private const string DocsV0 = "QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMnR";
    private const string DocsV1 = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";

    [Fact]
    public void V0_parses_and_prints_back_and_converts_to_the_documented_v1()
    {
        var cid = Cid.Parse(DocsV0);
        Assert.Equal(0, cid.Version);
        Assert.Equal(Multicodec.DagPb, cid.Codec);
        Assert.Equal(Multicodec.Sha2_256, cid.Hash.Code);
        Assert.Equal(DocsV0, cid.ToString());
        Assert.Equal(DocsV1, cid.ToV1().ToString());
        Assert.Equal(cid.ToV1(), Cid.Parse(DocsV1));
    }

    [Fact]
    public void V1_in_base58btc_is_the_same_cid_as_in_base32()
    {
        var v1 = Cid.Parse(DocsV1);
        var z = "z" + SimpleBase.Base58.Bitcoin.Encode(v1.ToBytes());
        Assert.Equal(v1, Cid.Parse(z));
        Assert.Equal(DocsV1, Cid.Parse(z).ToString());
    }

    [Fact]
    public void Binary_form_round_trips_for_both_versions_and_both_codecs()
    {
        var block = "hello"u8.ToArray();
        foreach (var cid in new[] { Cid.Of(block, Multicodec.DagPb, 0), Cid.Of(block, Multicodec.Raw, 1), Cid.Of(block, Multicodec.DagPb, 1) })
        {
            Assert.Equal(cid, Cid.FromBytes(cid.ToBytes()));
            Assert.Equal(cid, Cid.Parse(cid.ToString()));
            Assert.True(cid.Matches(block));
            Assert.False(cid.Matches("hellO"u8));
        }
    }

    [Fact]
    public void Identity_cids_hold_the_block_and_match_only_it()
    {
        var cid = Cid.V1(Multicodec.Raw, Multihash.IdentityOf("tiny"u8));
        Assert.Equal(cid, Cid.Parse(cid.ToString()));
        Assert.True(cid.Matches("tiny"u8));
        Assert.False(cid.Matches("tinY"u8));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("xyz", "multibase prefix 'x'")]
    [InlineData("Qm0000000000000000000000000000000000000000000000", "multibase prefix 'Q'")] // 48 chars: not a v0
    [InlineData("QmbWqxBEKC3P8tqsKc98xmWNzrzDtRLMiMPL8wBuTGsMn0", "base58btc")] // '0' is not in the alphabet
    [InlineData("b!!!!", "base32")]
    public void Malformed_text_is_refused_naming_the_problem(string text, string expected)
    {
        var e = Assert.Throws<CidFormatException>(() => Cid.Parse(text));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Unsupported_codec_hash_and_digest_length_are_refused_by_name()
    {
        static string V1(params byte[] bytes) => "b" + SimpleBase.Base32.Rfc4648.Encode(bytes, padding: false).ToLowerInvariant();
        var digest = new byte[32];

        var cbor = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x01, 0x71, 0x12, 0x20, .. digest])));
        Assert.Contains("codec dag-cbor", cbor.Message);

        var sha512 = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x01, 0x55, 0x13, 0x40, .. new byte[64]])));
        Assert.Contains("sha2-512 is not supported", sha512.Message);

        var shortDigest = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x01, 0x55, 0x12, 0x10, .. new byte[16]])));
        Assert.Contains("32-byte digest", shortDigest.Message);

        var cut = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x01, 0x55, 0x12, 0x20, .. new byte[20]])));
        Assert.Contains("cut off", cut.Message);

        var version2 = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x02, 0x55, 0x12, 0x20, .. digest])));
        Assert.Contains("version 2", version2.Message);

        var trailing = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x01, 0x55, 0x12, 0x20, .. digest, 0x00])));
        Assert.Contains("after its multihash", trailing.Message);

        var padded = Assert.Throws<CidFormatException>(() => Cid.Parse(V1([0x81, 0x00, 0x55, 0x12, 0x20, .. digest])));
        Assert.Contains("not minimally encoded", padded.Message);
    }

    [Fact]
    public void Varint_round_trips_across_byte_boundaries()
    {
        Span<byte> buffer = stackalloc byte[Varint.MaxLength];
        foreach (var value in new ulong[] { 0, 1, 127, 128, 255, 300, 16383, 16384, (1UL << 35) + 7, (1UL << 63) - 1 })
        {
            var n = Varint.Write(value, buffer);
            Assert.Equal(Varint.Length(value), n);
            Assert.Equal(value, Varint.Read(buffer[..n], out var used));
            Assert.Equal(n, used);
        }
    }
}
