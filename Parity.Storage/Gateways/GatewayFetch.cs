namespace Parity.Storage;

/// <summary>
/// One fetch of one file: blocks from a local store when it has them, else from the gateways, kept in the store on the
/// way. <see cref="PreloadAsync"/> first pulls the whole DAG as one CAR, so a large file costs one request instead of one
/// per block; whatever the CAR lacked (a gateway that cut it short or left blocks out) is then fetched block by block.
/// </summary>
public sealed class GatewayFetch(IBlockStore store, GatewayBlockSource remote) : IBlockSource
{
    private readonly CachingBlockSource _blocks = new(store, remote);

    public GatewayBlockSource Remote => remote;

    public Task<bool> PreloadAsync(Cid root, long maxBytes, CancellationToken cancellation) =>
        store.Has(root) && root.Codec == Multicodec.Raw ? Task.FromResult(true) : remote.FetchCarAsync(root, store, maxBytes, cancellation);

    public ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation) => _blocks.GetAsync(cid, cancellation);
}
