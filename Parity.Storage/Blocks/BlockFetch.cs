namespace Parity.Storage;

/// <summary>Gets a block, answering identity CIDs from the CID itself (they carry their bytes; no source has them).</summary>
internal static class BlockFetch
{
    public static async ValueTask<byte[]> GetAsync(Cid cid, IBlockSource source, CancellationToken cancellation) =>
        cid.Hash.Code == Multicodec.Identity ? cid.Hash.Digest.ToArray() : await source.GetAsync(cid, cancellation);
}
