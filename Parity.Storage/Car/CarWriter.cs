namespace Parity.Storage;

/// <summary>
/// Writes the CARv1 of a whole DAG: the header naming the root, then each block once, depth-first in link order (the
/// order trustless gateways send, so a client can verify while it streams). Only the current path is held, and blocks
/// go out as they are fetched.
/// </summary>
public static class CarWriter
{
    public static async Task WriteAsync(Cid root, IBlockSource source, Stream destination, CancellationToken cancellation)
    {
        var header = new CarHeader([root]).Encode();
        await WriteSectionAsync(destination, header, null, cancellation);
        // Kubo's dag export writes a shared block once; seen holds one CID per block, not the block.
        var seen = new HashSet<Cid>();
        await WriteDagAsync(root, 0, source, destination, seen, cancellation);
    }

    private static async Task WriteDagAsync(Cid cid, int depth, IBlockSource source, Stream destination, HashSet<Cid> seen,
        CancellationToken cancellation)
    {
        if (!seen.Add(cid)) return;
        if (depth > UnixFsReader.MaxDepth)
            throw new DagPbFormatException($"block {cid}: is deeper than {UnixFsReader.MaxDepth} levels; the DAG is not sane");
        var block = await BlockFetch.GetAsync(cid, source, cancellation);
        await WriteSectionAsync(destination, cid.ToBytes(), block, cancellation);
        if (cid.Codec != Multicodec.DagPb) return;
        PbNode node;
        try
        {
            node = DagPbCodec.Decode(block);
        }
        catch (DagPbFormatException e)
        {
            throw new DagPbFormatException($"block {cid}: {e.Message}");
        }
        foreach (var link in node.Links)
            await WriteDagAsync(link.Hash, depth + 1, source, destination, seen, cancellation);
    }

    private static async Task WriteSectionAsync(Stream destination, byte[] first, byte[]? second, CancellationToken cancellation)
    {
        var prefix = new byte[Varint.MaxLength];
        var n = Varint.Write((ulong)first.Length + (ulong)(second?.Length ?? 0), prefix);
        await destination.WriteAsync(prefix.AsMemory(0, n), cancellation);
        await destination.WriteAsync(first, cancellation);
        if (second is not null) await destination.WriteAsync(second, cancellation);
    }
}
