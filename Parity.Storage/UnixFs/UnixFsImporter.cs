namespace Parity.Storage;

/// <summary>
/// Cuts a stream into a UnixFS file DAG with Kubo's balanced layout: fixed-size chunks become leaves, every parent holds
/// up to MaxLinks children, all leaves sit at the same depth and the tree grows upward as the file goes on. Only one
/// chunk and the pending link list of each level are held, so memory does not grow with the file. A one-chunk file's
/// root is its leaf; an empty file is one empty leaf.
/// </summary>
public static class UnixFsImporter
{
    /// <summary>
    /// Each block given to <paramref name="sink"/> is a fresh array the importer never touches again, so a sink may keep
    /// the memory without copying.
    /// </summary>
    public static async Task<ImportResult> ImportAsync(Stream content, ImportProfile profile, IBlockSink sink,
        IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(sink);
        profile.Validate();
        var builder = new Builder(profile, sink, cancellation);
        long fileSize = 0;
        var leaves = 0L;
        while (true)
        {
            var chunk = new byte[profile.ChunkSize];
            var n = await ReadFullAsync(content, chunk, cancellation);
            if (n == 0 && leaves > 0) break;
            var data = n == chunk.Length ? chunk : chunk.AsSpan(0, n).ToArray();
            await builder.AddLeafAsync(data);
            leaves++;
            fileSize += n;
            progress?.Report(fileSize);
            // A short read is the end: the chunker reads whole chunks, as Kubo's does, so only the last one is short.
            if (n < chunk.Length) break;
        }
        var root = await builder.FinishAsync();
        return new ImportResult(root.Cid, fileSize, builder.BlockCount, builder.DagSize);
    }

    private static async Task<int> ReadFullAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellation)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer[total..], cancellation);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>A finished child as its parent links it: CID, file bytes under it (blocksize) and DAG bytes (Tsize).</summary>
    private readonly record struct Child(Cid Cid, ulong FileBytes, ulong Tsize);

    private sealed class Builder(ImportProfile profile, IBlockSink sink, CancellationToken cancellation)
    {
        // levels[0] holds leaves, levels[i] holds nodes of height i; each list is flushed into a parent when full.
        private readonly List<List<Child>> _levels = [];

        public long BlockCount { get; private set; }
        public long DagSize { get; private set; }

        public async ValueTask AddLeafAsync(byte[] data)
        {
            byte[] block;
            Cid cid;
            if (profile.RawLeaves)
            {
                block = data;
                cid = Cid.Of(block, Multicodec.Raw, 1);
            }
            else
            {
                block = EncodeFileLeaf(data);
                cid = Cid.Of(block, Multicodec.DagPb, profile.CidVersion);
            }
            await PutAsync(cid, block);
            await AddAsync(0, new Child(cid, (ulong)data.Length, (ulong)block.Length));
        }

        public async ValueTask<Child> FinishAsync()
        {
            for (var level = 0; ; level++)
            {
                var pending = _levels[level];
                var top = level == _levels.Count - 1;
                if (top && pending.Count == 1) return pending[0];
                if (pending.Count == 0) continue;
                var parent = await MakeParentAsync(pending);
                pending.Clear();
                await AddAsync(level + 1, parent, flushWhenFull: false);
            }
        }

        private async ValueTask AddAsync(int level, Child child, bool flushWhenFull = true)
        {
            if (_levels.Count == level) _levels.Add(new List<Child>(Math.Min(profile.MaxLinks, 1024)));
            var pending = _levels[level];
            pending.Add(child);
            if (flushWhenFull && pending.Count == profile.MaxLinks)
            {
                var parent = await MakeParentAsync(pending);
                pending.Clear();
                await AddAsync(level + 1, parent);
            }
        }

        private async ValueTask<Child> MakeParentAsync(List<Child> children)
        {
            var links = new PbLink[children.Count];
            var sizes = new ulong[children.Count];
            ulong fileBytes = 0, tsize = 0;
            for (var i = 0; i < children.Count; i++)
            {
                // Kubo and Helia both write an empty (present) name on file links; the CID depends on it.
                links[i] = new PbLink(children[i].Cid, "", children[i].Tsize);
                sizes[i] = children[i].FileBytes;
                fileBytes += children[i].FileBytes;
                tsize += children[i].Tsize;
            }
            var data = new UnixFsData(UnixFsType.File, null, fileBytes, sizes).Encode();
            var block = DagPbCodec.Encode(new PbNode(links, data));
            var cid = Cid.Of(block, Multicodec.DagPb, profile.CidVersion);
            await PutAsync(cid, block);
            return new Child(cid, fileBytes, tsize + (ulong)block.Length);
        }

        private async ValueTask PutAsync(Cid cid, byte[] block)
        {
            // The CID was computed from these bytes a moment ago: no sink needs to hash them again.
            await sink.PutAsync(VerifiedBlock.Trusted(cid, block), cancellation);
            BlockCount++;
            DagSize += block.Length;
        }
    }

    /// <summary>
    /// A UnixFS File leaf, written by hand so a chunk is copied once: PBNode{Data: UnixFS{Type: File, Data: chunk,
    /// filesize}}. An empty chunk has no Data field, as Kubo writes the empty file.
    /// </summary>
    internal static byte[] EncodeFileLeaf(ReadOnlySpan<byte> chunk)
    {
        var n = (ulong)chunk.Length;
        var inner = 2 + (chunk.Length > 0 ? 1 + Varint.Length(n) + chunk.Length : 0) + 1 + Varint.Length(n);
        var block = new byte[1 + Varint.Length((ulong)inner) + inner];
        var span = block.AsSpan();
        var i = 0;
        span[i++] = 0x0A; // PBNode.Data, length-delimited
        i += Varint.Write((ulong)inner, span[i..]);
        span[i++] = 0x08; // Type
        span[i++] = (byte)UnixFsType.File;
        if (chunk.Length > 0)
        {
            span[i++] = 0x12; // Data
            i += Varint.Write(n, span[i..]);
            chunk.CopyTo(span[i..]);
            i += chunk.Length;
        }
        span[i++] = 0x18; // filesize
        i += Varint.Write(n, span[i..]);
        return i == block.Length ? block : throw new InvalidOperationException("leaf length miscounted");
    }
}
