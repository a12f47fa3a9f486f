namespace Parity.Storage;

/// <summary>
/// A block whose bytes are known to hash to its CID. The only ways to make one are to hash the bytes
/// (<see cref="Check"/>) or, inside this library, to have computed the CID from them or checked them on arrival: so a
/// sink can trust it without hashing again, and a fetched block is hashed once on its way into a store, not once per hop.
/// </summary>
public readonly record struct VerifiedBlock
{
    private VerifiedBlock(Cid cid, ReadOnlyMemory<byte> bytes)
    {
        Cid = cid;
        Bytes = bytes;
    }

    public Cid Cid { get; }

    /// <summary>The block's bytes. A sink may keep the array behind them: whoever made the block must not reuse it.</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <exception cref="ArgumentException">The bytes do not hash to <paramref name="cid"/>.</exception>
    public static VerifiedBlock Check(Cid cid, ReadOnlyMemory<byte> bytes) =>
        cid.Matches(bytes.Span) ? new VerifiedBlock(cid, bytes) : throw new ArgumentException($"block bytes do not hash to {cid}", nameof(bytes));

    /// <summary>For bytes this library hashed already: a CID it computed from them, or a block it checked as it arrived.</summary>
    internal static VerifiedBlock Trusted(Cid cid, ReadOnlyMemory<byte> bytes) => new(cid, bytes);
}
