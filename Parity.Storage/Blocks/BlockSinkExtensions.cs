namespace Parity.Storage;

public static class BlockSinkExtensions
{
    /// <summary>Hashes <paramref name="bytes"/> against <paramref name="cid"/> (an <see cref="ArgumentException"/> if they differ), then puts them.</summary>
    public static ValueTask PutAsync(this IBlockSink sink, Cid cid, ReadOnlyMemory<byte> bytes, CancellationToken cancellation) =>
        sink.PutAsync(VerifiedBlock.Check(cid, bytes), cancellation);
}
