namespace Parity.Storage;

/// <summary>Somewhere blocks can be put (a blockstore, a hash-only counter, an uploading node).</summary>
public interface IBlockSink
{
    /// <summary>Keeps a block whose bytes are known to hash to its CID (see <see cref="VerifiedBlock"/>).</summary>
    ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation);

    /// <summary>
    /// Whether the sink may hold on to a block's bytes after <see cref="PutAsync"/> has completed. A sink that says
    /// false promises to be done with them by then (it discards, hashes, or copies them), so a producer may reuse one
    /// buffer for every block instead of allocating each afresh: for 1 MiB chunks that is the difference between a
    /// large-object-heap array per chunk and none. True unless a sink says otherwise, since keeping is the safe guess.
    /// </summary>
    bool RetainsBlocks => true;
}
