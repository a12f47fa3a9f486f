using System.Runtime.CompilerServices;

namespace Parity.Storage;

/// <summary>
/// Reads UnixFS files block by block from a verified source. Only the path from the root to the current leaf is held,
/// and every node is checked on the way: its own consistency (<see cref="UnixFsFileNode"/>), that each child holds as
/// many bytes as its parent's blocksize says, and a depth bound, so a hostile DAG fails with its CID named instead of
/// returning wrong bytes or recursing without end.
/// </summary>
public static class UnixFsReader
{
    /// <summary>A balanced tree of 174-link nodes is 5 levels deep at 1 PB; anything near this is an attack.</summary>
    public const int MaxDepth = 32;

    public static async Task<UnixFsStat> StatAsync(Cid root, IBlockSource source, CancellationToken cancellation)
    {
        var node = await LoadAsync(root, source, null, cancellation);
        return new UnixFsStat(root, root.Codec == Multicodec.Raw ? UnixFsType.Raw : UnixFsType.File, node.FileSize);
    }

    /// <summary>The file's bytes in order, from <paramref name="offset"/>, at most <paramref name="length"/> bytes.</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadAsync(Cid root, IBlockSource source, long offset = 0,
        long? length = null, [EnumeratorCancellation] CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length is < 0) throw new ArgumentOutOfRangeException(nameof(length), length, "length must not be negative");
        var node = await LoadAsync(root, source, null, cancellation);
        if (offset > node.FileSize)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset is past the end of the {node.FileSize}-byte file");
        var end = length is { } l && l < node.FileSize - offset ? offset + l : node.FileSize;
        if (end <= offset) yield break;
        await foreach (var piece in WalkAsync(node, 0, offset, end, 0, source, cancellation))
            yield return piece;
    }

    public static async Task CopyToAsync(Cid root, IBlockSource source, Stream destination, IProgress<long>? progress = null,
        CancellationToken cancellation = default)
    {
        long written = 0;
        await foreach (var piece in ReadAsync(root, source, 0, null, cancellation))
        {
            await destination.WriteAsync(piece, cancellation);
            written += piece.Length;
            progress?.Report(written);
        }
    }

    // The node covers file bytes [start, start + FileSize); only what falls in [from, to) is fetched and yielded.
    private static async IAsyncEnumerable<ReadOnlyMemory<byte>> WalkAsync(UnixFsFileNode node, long start, long from, long to,
        int depth, IBlockSource source, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (node.Data.Length > 0)
        {
            var a = Math.Max(from, start);
            var b = Math.Min(to, start + node.Data.Length);
            if (a < b) yield return node.Data.Slice((int)(a - start), (int)(b - a));
        }
        var childStart = start + node.Data.Length;
        for (var i = 0; i < node.Links.Count && childStart < to; i++)
        {
            var childEnd = childStart + (long)node.BlockSizes[i];
            if (childEnd > from)
            {
                if (depth + 1 > MaxDepth)
                    throw UnixFsFileNode.Bad(node.Cid, $"links[{i}] goes deeper than {MaxDepth} levels; the DAG is not a sane file");
                var child = await LoadAsync(node.Links[i].Hash, source, (node, i), cancellation);
                await foreach (var piece in WalkAsync(child, childStart, from, to, depth + 1, source, cancellation))
                    yield return piece;
            }
            childStart = childEnd;
        }
    }

    private static async Task<UnixFsFileNode> LoadAsync(Cid cid, IBlockSource source, (UnixFsFileNode Parent, int Index)? from,
        CancellationToken cancellation)
    {
        var block = await BlockFetch.GetAsync(cid, source, cancellation);
        var node = UnixFsFileNode.Parse(cid, block);
        if (from is { } f && (ulong)node.FileSize != f.Parent.BlockSizes[f.Index])
            throw UnixFsFileNode.Bad(cid,
                $"holds {node.FileSize} file byte(s) but its parent {f.Parent.Cid} gives blocksizes[{f.Index}] = {f.Parent.BlockSizes[f.Index]}");
        return node;
    }
}
