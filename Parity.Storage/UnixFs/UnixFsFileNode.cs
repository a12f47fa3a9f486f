namespace Parity.Storage;

/// <summary>
/// One validated node of a UnixFS file: its inline bytes (a leaf's chunk, or a raw block), its children and the file
/// bytes each child must hold. Building one checks everything a node can be checked for on its own.
/// </summary>
internal sealed class UnixFsFileNode
{
    private UnixFsFileNode(Cid cid, ReadOnlyMemory<byte> data, IReadOnlyList<PbLink> links, IReadOnlyList<ulong> blockSizes, long fileSize)
    {
        Cid = cid;
        Data = data;
        Links = links;
        BlockSizes = blockSizes;
        FileSize = fileSize;
    }

    public Cid Cid { get; }
    public ReadOnlyMemory<byte> Data { get; }
    public IReadOnlyList<PbLink> Links { get; }
    public IReadOnlyList<ulong> BlockSizes { get; }
    public long FileSize { get; }

    public static UnixFsFileNode Parse(Cid cid, byte[] block)
    {
        if (cid.Codec == Multicodec.Raw) return new(cid, block, [], [], block.Length);
        // The common leaf: its chunk is a slice of the block, no decoding and no copy (see UnixFsLeaf).
        if (UnixFsLeaf.TryFind(block, out var offset, out var length)) return new(cid, block.AsMemory(offset, length), [], [], length);
        PbNode pb;
        UnixFsData fs;
        try
        {
            pb = DagPbCodec.Decode(block);
            if (pb.Data is null) throw new DagPbFormatException("has no UnixFS Data (a bare dag-pb node is not a file)");
            fs = UnixFsData.Decode(pb.Data);
        }
        catch (DagPbFormatException e)
        {
            throw Bad(cid, e.Message);
        }
        if (fs.Type is not (UnixFsType.File or UnixFsType.Raw))
            throw Bad(cid, $"is a UnixFS {fs.Type}; only files are supported");
        if (fs.BlockSizes.Count != pb.Links.Count)
            throw Bad(cid, $"has {pb.Links.Count} link(s) but {fs.BlockSizes.Count} blocksize(s); they must pair up");
        if (fs.Type == UnixFsType.Raw && pb.Links.Count > 0)
            throw Bad(cid, "is a UnixFS Raw node with links; only File nodes have children");
        for (var i = 0; i < pb.Links.Count; i++)
            if (!string.IsNullOrEmpty(pb.Links[i].Name))
                throw Bad(cid, $"links[{i}] is named '{pb.Links[i].Name}'; a file's links are unnamed (a named link is a directory entry)");

        var data = fs.Data ?? [];
        ulong sum = (ulong)data.Length;
        foreach (var size in fs.BlockSizes)
        {
            sum += size;
            if (sum < size || sum > long.MaxValue) throw Bad(cid, "data + blocksizes overflow a 63-bit file size");
        }
        if (fs.FileSize is { } declared && declared != sum)
            throw Bad(cid, $"says filesize {declared} but its data ({data.Length}) and blocksizes ({sum - (ulong)data.Length}) add up to {sum}");
        return new(cid, data, pb.Links, fs.BlockSizes, (long)sum);
    }

    public static DagPbFormatException Bad(Cid cid, string problem) => new($"block {cid}: {problem}");
}
