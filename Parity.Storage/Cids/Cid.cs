using SimpleBase;

namespace Parity.Storage;

/// <summary>
/// A content identifier: version, content codec and multihash. CIDv0 is the 46-character base58btc `Qm…` form (implicit
/// dag-pb, sha2-256); CIDv1 is multibase base32 (`b…`, the canonical form printed here) or base58btc (`z…`). Only the
/// codecs of UnixFS files (dag-pb and raw) are accepted, so anything else fails at the edge with a message naming the
/// part that was wrong rather than deep inside a fetch.
/// </summary>
public sealed class Cid : IEquatable<Cid>
{
    private Cid(int version, ulong codec, Multihash hash)
    {
        Version = version;
        Codec = codec;
        Hash = hash;
    }

    public int Version { get; }
    public ulong Codec { get; }
    public Multihash Hash { get; }

    public static Cid V0(Multihash hash) =>
        hash.Code == Multicodec.Sha2_256 ? new(0, Multicodec.DagPb, hash) : throw new CidFormatException("a CIDv0 is always sha2-256");

    public static Cid V1(ulong codec, Multihash hash) => new(1, CheckCodec(codec), hash);

    /// <summary>The CID of <paramref name="block"/> with sha2-256.</summary>
    public static Cid Of(ReadOnlySpan<byte> block, ulong codec, int version) =>
        version == 0 ? V0(Multihash.Sha256(block)) : V1(codec, Multihash.Sha256(block));

    public static Cid Parse(string text)
    {
        if (string.IsNullOrEmpty(text)) throw new CidFormatException("a CID is empty");
        if (text.Length > 512) throw new CidFormatException($"a CID is at most 512 characters, got {text.Length}");
        if (text.Length == 46 && text.StartsWith("Qm", StringComparison.Ordinal))
        {
            var bytes = Decode(text, Base58.Bitcoin, "base58btc");
            var hash = Multihash.Read(bytes, out var used);
            if (used != bytes.Length) throw new CidFormatException("a CIDv0 has bytes after its multihash");
            return V0(hash);
        }
        return text[0] switch
        {
            'b' => FromBytes(Decode(text[1..], Base32.Rfc4648, "base32")),
            'z' => FromBytes(Decode(text[1..], Base58.Bitcoin, "base58btc")),
            _ => throw new CidFormatException(
                $"multibase prefix '{text[0]}' is not supported (a CIDv0 starts with 'Qm'; a CIDv1 with 'b' for base32 or 'z' for base58btc)"),
        };
    }

    public static bool TryParse(string? text, out Cid? cid, out string? error)
    {
        try
        {
            cid = Parse(text ?? "");
            error = null;
            return true;
        }
        catch (CidFormatException e)
        {
            cid = null;
            error = e.Message;
            return false;
        }
    }

    /// <summary>A binary CID filling all of <paramref name="bytes"/> (dag-pb link hashes).</summary>
    public static Cid FromBytes(ReadOnlySpan<byte> bytes)
    {
        var cid = Read(bytes, out var used);
        if (used != bytes.Length) throw new CidFormatException($"a CID has {bytes.Length - used} byte(s) after its multihash");
        return cid;
    }

    /// <summary>A binary CID at the start of <paramref name="source"/> (CAR sections, which follow it with the block).</summary>
    public static Cid Read(ReadOnlySpan<byte> source, out int consumed)
    {
        if (source.Length >= 2 && source[0] == Multicodec.Sha2_256 && source[1] == 32)
        {
            // A binary CIDv0 is the bare multihash.
            var v0 = Multihash.Read(source, out consumed);
            return V0(v0);
        }
        var version = Varint.Read(source, out var a, "CID version");
        if (version != 1) throw new CidFormatException($"CID version {version} is not supported (only 0 and 1)");
        var codec = Varint.Read(source[a..], out var b, "CID codec");
        var hash = Multihash.Read(source[(a + b)..], out var c);
        consumed = a + b + c;
        return new Cid(1, CheckCodec(codec), hash);
    }

    public int EncodedLength => Version == 0 ? Hash.EncodedLength : 1 + Varint.Length(Codec) + Hash.EncodedLength;

    public byte[] ToBytes()
    {
        var bytes = new byte[EncodedLength];
        WriteTo(bytes);
        return bytes;
    }

    public int WriteTo(Span<byte> destination)
    {
        if (Version == 0) return Hash.WriteTo(destination);
        var n = Varint.Write(1, destination);
        n += Varint.Write(Codec, destination[n..]);
        return n + Hash.WriteTo(destination[n..]);
    }

    /// <summary>Whether <paramref name="block"/> is the block this CID names (its hash matches).</summary>
    public bool Matches(ReadOnlySpan<byte> block) => Hash.Matches(block);

    public Cid ToV1() => Version == 1 ? this : new Cid(1, Codec, Hash);

    public override string ToString() =>
        Version == 0
            ? Base58.Bitcoin.Encode(ToBytes())
            : "b" + Base32.Rfc4648.Encode(ToBytes(), padding: false).ToLowerInvariant();

    public bool Equals(Cid? other) => other is not null && Version == other.Version && Codec == other.Codec && Hash.Equals(other.Hash);
    public override bool Equals(object? obj) => Equals(obj as Cid);
    public override int GetHashCode() => HashCode.Combine(Version, Codec, Hash);

    private static ulong CheckCodec(ulong codec) =>
        codec is Multicodec.DagPb or Multicodec.Raw
            ? codec
            : throw new CidFormatException($"CID codec {Multicodec.Name(codec)} is not supported (only dag-pb and raw)");

    private static byte[] Decode(string text, IBaseCoder coder, string name)
    {
        try
        {
            return coder.Decode(text);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            throw new CidFormatException($"a CID is not valid {name}: {e.Message}");
        }
    }
}
