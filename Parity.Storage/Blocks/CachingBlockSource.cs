namespace Parity.Storage;

/// <summary>
/// Blocks from a local store when it has them, else from upstream, kept in the store on the way. The store re-hashes
/// what it reads, so a damaged cache file counts as a miss and is fetched again.
/// </summary>
public sealed class CachingBlockSource(IBlockStore cache, IBlockSource upstream) : IBlockSource
{
    public async ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation)
    {
        if (cache.Has(cid))
        {
            try
            {
                return await cache.GetAsync(cid, cancellation);
            }
            catch (BlockNotFoundException)
            {
                // Damaged or evicted between the check and the read: fetch it again.
            }
        }
        var block = await upstream.GetAsync(cid, cancellation);
        await cache.PutAsync(cid, block, cancellation);
        return block;
    }
}
