namespace Parity.Storage;

/// <summary>Somewhere blocks can be put (a blockstore, a hash-only counter, an uploading node).</summary>
public interface IBlockSink
{
    /// <summary>Keeps a block whose bytes are known to hash to its CID (see <see cref="VerifiedBlock"/>).</summary>
    ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation);
}
