namespace Parity.Storage;

/// <summary>Somewhere blocks can be put (a blockstore, a hash-only counter, an uploading node).</summary>
public interface IBlockSink
{
    ValueTask PutAsync(Cid cid, ReadOnlyMemory<byte> block, CancellationToken cancellation);
}
