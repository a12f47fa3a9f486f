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
    /// Each block given to a sink that retains blocks (<see cref="IBlockSink.RetainsBlocks"/>) is a fresh array the
    /// importer never touches again, so the sink may keep the memory without copying. A sink that does not retain them
    /// gets every leaf in the same reused buffer, so hashing a large file allocates no chunk arrays at all.
    /// </summary>
    public static async Task<ImportResult> ImportAsync(Stream content, ImportProfile profile, IBlockSink sink,
        IProgress<long>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(sink);
        profile.Validate();
        var reuse = !sink.RetainsBlocks;
        var builder = new Builder(profile, sink, reuse, cancellation);
        long fileSize = 0;
        var leaves = 0L;
        var chunk = reuse ? new byte[profile.ChunkSize] : null;
        while (true)
        {
            if (!reuse) chunk = new byte[profile.ChunkSize];
            var n = await ReadFullAsync(content, chunk, cancellation);
            if (n == 0 && leaves > 0) break;
            // A retaining sink is handed the array itself, so a short last chunk is cut to an array of its own length.
            ReadOnlyMemory<byte> data = reuse || n == chunk!.Length ? chunk.AsMemory(0, n) : chunk.AsSpan(0, n).ToArray();
            await builder.AddLeafAsync(data);
            leaves++;
            fileSize += n;
            progress?.Report(fileSize);
            // A short read is the end: the chunker reads whole chunks, as Kubo's does, so only the last one is short.
            if (n < profile.ChunkSize) break;
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

    private sealed class Builder(ImportProfile profile, IBlockSink sink, bool reuse, CancellationToken cancellation)
    {
        // For a sink that does not retain blocks, dag-pb leaves are encoded into this one buffer instead of afresh.
        private byte[]? _leafBuffer;

        // levels[0] holds leaves, levels[i] holds nodes of height i; each list is flushed into a parent when full.
        private readonly List<List<Child>> _levels = [];

        public long BlockCount { get; private set; }
        public long DagSize { get; private set; }

        public async ValueTask AddLeafAsync(ReadOnlyMemory<byte> data)
        {
            ReadOnlyMemory<byte> block;
            Cid cid;
            if (profile.RawLeaves)
            {
                block = data;
                cid = Cid.Of(block.Span, Multicodec.Raw, 1);
            }
            else
            {
                var length = FileLeafLength(data.Length);
                var buffer = reuse ? _leafBuffer ??= new byte[FileLeafLength(profile.ChunkSize)] : new byte[length];
                WriteFileLeaf(data.Span, buffer.AsSpan(0, length));
                block = buffer.AsMemory(0, length);
                cid = Cid.Of(block.Span, Multicodec.DagPb, profile.CidVersion);
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

        private async ValueTask PutAsync(Cid cid, ReadOnlyMemory<byte> block)
        {
            // The CID was computed from these bytes a moment ago: no sink needs to hash them again.
            await sink.PutAsync(VerifiedBlock.Trusted(cid, block), cancellation);
            BlockCount++;
            DagSize += block.Length;
        }
    }

    /// <summary>The encoded length of a UnixFS File leaf holding <paramref name="chunkLength"/> bytes.</summary>
    internal static int FileLeafLength(int chunkLength)
    {
        var inner = InnerLength(chunkLength);
        return 1 + Varint.Length((ulong)inner) + inner;
    }

    private static int InnerLength(int chunkLength)
    {
        var n = (ulong)chunkLength;
        return 2 + (chunkLength > 0 ? 1 + Varint.Length(n) + chunkLength : 0) + 1 + Varint.Length(n);
    }

    /// <summary>
    /// A UnixFS File leaf, written by hand so a chunk is copied once: PBNode{Data: UnixFS{Type: File, Data: chunk,
    /// filesize}}. An empty chunk has no Data field, as Kubo writes the empty file.
    /// </summary>
    internal static byte[] EncodeFileLeaf(ReadOnlySpan<byte> chunk)
    {
        var block = new byte[FileLeafLength(chunk.Length)];
        WriteFileLeaf(chunk, block);
        return block;
    }

    /// <summary>Writes the leaf into <paramref name="block"/>, which must be exactly <see cref="FileLeafLength"/> long.</summary>
    private static void WriteFileLeaf(ReadOnlySpan<byte> chunk, Span<byte> block)
    {
        var n = (ulong)chunk.Length;
        var inner = InnerLength(chunk.Length);
        var i = 0;
        block[i++] = 0x0A; // PBNode.Data, length-delimited
        i += Varint.Write((ulong)inner, block[i..]);
        block[i++] = 0x08; // Type
        block[i++] = (byte)UnixFsType.File;
        if (chunk.Length > 0)
        {
            block[i++] = 0x12; // Data
            i += Varint.Write(n, block[i..]);
            chunk.CopyTo(block[i..]);
            i += chunk.Length;
        }
        block[i++] = 0x18; // filesize
        i += Varint.Write(n, block[i..]);
        if (i != block.Length) throw new InvalidOperationException("leaf length miscounted");
    }
}
