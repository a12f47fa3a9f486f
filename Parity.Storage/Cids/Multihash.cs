using System.Security.Cryptography;

namespace Parity.Storage;

/// <summary>
/// A multihash: the hash function's code and its digest. Only sha2-256 (32-byte digests) and identity (the bytes
/// themselves, for tiny blocks) are accepted: a gateway must not be able to pick a weak or unknown function.
/// </summary>
public sealed class Multihash : IEquatable<Multihash>
{
    /// <summary>Identity digests hold a block inline; anything larger than this is an abuse of the CID, not a block.</summary>
    public const int MaxIdentityLength = 128;

    private readonly byte[] _digest;

    private Multihash(ulong code, byte[] digest)
    {
        Code = code;
        _digest = digest;
    }

    public ulong Code { get; }
    public ReadOnlySpan<byte> Digest => _digest;
    public int EncodedLength => Varint.Length(Code) + Varint.Length((ulong)_digest.Length) + _digest.Length;

    public static Multihash Sha256(ReadOnlySpan<byte> data) => new(Multicodec.Sha2_256, SHA256.HashData(data));

    public static Multihash FromSha256Digest(ReadOnlySpan<byte> digest) =>
        digest.Length == 32
            ? new(Multicodec.Sha2_256, digest.ToArray())
            : throw new CidFormatException($"a sha2-256 digest is 32 bytes, got {digest.Length}");

    public static Multihash IdentityOf(ReadOnlySpan<byte> data) =>
        data.Length <= MaxIdentityLength
            ? new(Multicodec.Identity, data.ToArray())
            : throw new CidFormatException($"an identity multihash holds at most {MaxIdentityLength} bytes, got {data.Length}");

    /// <summary>Reads a multihash at the start of <paramref name="source"/>.</summary>
    public static Multihash Read(ReadOnlySpan<byte> source, out int consumed)
    {
        var code = Varint.Read(source, out var a, "multihash code");
        var length = Varint.Read(source[a..], out var b, "multihash digest length");
        switch (code)
        {
            case Multicodec.Sha2_256 when length != 32:
                throw new CidFormatException($"a sha2-256 multihash has a 32-byte digest, this one says {length}");
            case Multicodec.Identity when length > MaxIdentityLength:
                throw new CidFormatException($"an identity multihash holds at most {MaxIdentityLength} bytes, this one says {length}");
            case Multicodec.Sha2_256 or Multicodec.Identity:
                break;
            default:
                throw new CidFormatException($"multihash function {Multicodec.Name(code)} is not supported (only sha2-256 and identity)");
        }
        var start = a + b;
        if (source.Length - start < (int)length)
            throw new CidFormatException($"multihash digest is cut off: {source.Length - start} of {length} bytes");
        consumed = start + (int)length;
        return new Multihash(code, source.Slice(start, (int)length).ToArray());
    }

    public int WriteTo(Span<byte> destination)
    {
        var n = Varint.Write(Code, destination);
        n += Varint.Write((ulong)_digest.Length, destination[n..]);
        _digest.CopyTo(destination[n..]);
        return n + _digest.Length;
    }

    /// <summary>Whether <paramref name="data"/> hashes to this multihash.</summary>
    public bool Matches(ReadOnlySpan<byte> data)
    {
        if (Code == Multicodec.Identity) return data.SequenceEqual(_digest);
        Span<byte> actual = stackalloc byte[32];
        SHA256.HashData(data, actual);
        return CryptographicOperations.FixedTimeEquals(actual, _digest);
    }

    public bool Equals(Multihash? other) => other is not null && Code == other.Code && _digest.AsSpan().SequenceEqual(other._digest);
    public override bool Equals(object? obj) => Equals(obj as Multihash);
    public override int GetHashCode() => HashCode.Combine(Code, BitConverter.ToInt32(_digest.Length >= 4 ? _digest : [0, 0, 0, 0]));
}
