using System.Runtime.CompilerServices;

namespace Parity.Storage;

/// <summary>
/// Reads a CARv1 stream from an untrusted peer: the header must be version 1 with roots, every section must be whole,
/// no block may exceed the caller's cap (checked from the length prefix, before anything is allocated), and every block
/// must hash to its CID. Sections are yielded one by one, so memory is one block.
/// </summary>
public static class CarReader
{
    /// <summary>A header is a few CIDs; a megabyte of one is an attack.</summary>
    public const int MaxHeaderBytes = 1 << 20;

    /// <summary>The longest binary CID accepted (a CIDv1 with a 128-byte identity digest).</summary>
    private const int MaxCidBytes = 1 + Varint.MaxLength + Varint.MaxLength + Varint.MaxLength + Multihash.MaxIdentityLength;

    public static IAsyncEnumerable<(Cid Cid, byte[] Block)> ReadAsync(Stream car, int maxBlockBytes, CancellationToken cancellation) =>
        ReadAsync(car, maxBlockBytes, null, cancellation);

    /// <summary>As the other overload, handing the header to <paramref name="onHeader"/> before the first block.</summary>
    public static async IAsyncEnumerable<(Cid Cid, byte[] Block)> ReadAsync(Stream car, int maxBlockBytes, Action<CarHeader>? onHeader,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlockBytes, 1);
        var header = await ReadHeaderAsync(car, cancellation);
        onHeader?.Invoke(header);
        await foreach (var section in ReadSectionsAsync(car, maxBlockBytes, cancellation))
            yield return section;
    }

    /// <summary>Reads only the header, leaving <paramref name="car"/> at the first section.</summary>
    public static async Task<CarHeader> ReadHeaderAsync(Stream car, CancellationToken cancellation)
    {
        var length = await ReadLengthAsync(car, "CAR header length", false, cancellation)
                     ?? throw new CarFormatException("CAR stream is empty (no header)");
        if (length == 0 || length > MaxHeaderBytes)
            throw new CarFormatException($"CAR header length {length} is outside 1..{MaxHeaderBytes}");
        var bytes = new byte[length];
        await ReadExactAsync(car, bytes, "CAR header", cancellation);
        return CarHeader.Decode(bytes);
    }

    /// <summary>The sections after the header, until the stream ends cleanly between sections; every block hashed.</summary>
    public static IAsyncEnumerable<(Cid Cid, byte[] Block)> ReadSectionsAsync(Stream car, int maxBlockBytes, CancellationToken cancellation) =>
        ReadSectionsAsync(car, maxBlockBytes, verify: true, cancellation);

    /// <summary>
    /// The sections; with <paramref name="verify"/> false the blocks are NOT hashed, for a caller that hashes them
    /// itself before anything trusts them (the gateway fetch does, on another thread, while this one reads on). Every
    /// other check (lengths, the block cap, a valid CID, a whole section) is made either way.
    /// </summary>
    internal static async IAsyncEnumerable<(Cid Cid, byte[] Block)> ReadSectionsAsync(Stream car, int maxBlockBytes, bool verify,
        [EnumeratorCancellation] CancellationToken cancellation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBlockBytes, 1);
        // The CID is read into this small buffer first and the block straight into an array of its own, so a block's
        // bytes are copied once (from the stream), not once more out of a section-sized buffer.
        var head = new byte[MaxCidBytes];
        for (var index = 0L; ; index++)
        {
            var what = $"CAR section {index}";
            var length = await ReadLengthAsync(car, $"{what} length", false, cancellation);
            if (length is null) yield break;
            if (length < 2) throw new CarFormatException($"{what} is {length} byte(s); too short to hold a CID");
            if (length > (ulong)maxBlockBytes + MaxCidBytes)
                throw new CarFormatException($"{what} is {length} bytes; blocks are capped at {maxBlockBytes} bytes");
            var headLength = (int)Math.Min(length.Value, (ulong)head.Length);
            await ReadExactAsync(car, head.AsMemory(0, headLength), what, cancellation, 0, length);
            Cid cid;
            int used;
            try
            {
                cid = Cid.Read(head.AsSpan(0, headLength), out used);
            }
            catch (CidFormatException e)
            {
                throw new CarFormatException($"{what} does not start with a valid CID: {e.Message}");
            }
            var blockLength = (long)length.Value - used;
            if (blockLength > maxBlockBytes)
                throw new CarFormatException($"{what}: block {cid} is {blockLength} bytes; blocks are capped at {maxBlockBytes} bytes");
            var block = new byte[blockLength];
            var already = headLength - used;
            head.AsSpan(used, already).CopyTo(block);
            await ReadExactAsync(car, block.AsMemory(already), what, cancellation, headLength, length);
            if (verify && !cid.Matches(block))
                throw new CarFormatException($"{what}: block bytes do not hash to {cid}");
            yield return (cid, block);
        }
    }

    // A section is read in two pieces (its CID's bytes, then the block): before and whole let the message count the
    // section, not the piece.
    private static async Task ReadExactAsync(Stream car, Memory<byte> buffer, string what, CancellationToken cancellation,
        int before = 0, ulong? whole = null)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await car.ReadAsync(buffer[total..], cancellation);
            if (n == 0)
                throw new CarFormatException($"{what} is cut off: the stream ended after {before + total} of {whole ?? (ulong)(before + buffer.Length)} bytes");
            total += n;
        }
    }

    // null only when the stream ends before the first byte and that is allowed (the clean end between sections).
    private static async Task<ulong?> ReadLengthAsync(Stream car, string what, bool required, CancellationToken cancellation)
    {
        var bytes = new byte[Varint.MaxLength];
        var one = new byte[1];
        for (var i = 0; i < bytes.Length; i++)
        {
            if (await car.ReadAsync(one, cancellation) == 0)
            {
                if (i == 0 && !required) return null;
                throw new CarFormatException($"{what} is cut off after {i} byte(s)");
            }
            bytes[i] = one[0];
            if ((one[0] & 0x80) == 0)
            {
                try
                {
                    return Varint.Read(bytes.AsSpan(0, i + 1), out _, what);
                }
                catch (CidFormatException e)
                {
                    throw new CarFormatException(e.Message);
                }
            }
        }
        throw new CarFormatException($"{what} is longer than {Varint.MaxLength} bytes");
    }
}
