using System.Diagnostics;
using System.Text.Json;
using Parity.Storage;

namespace Parity.Tests.Storage;

public class UnixFsImporterTests
{
    private sealed class DiscardSink : IBlockSink
    {
        public ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation) => ValueTask.CompletedTask;
    }

    // The independent oracle: ipfs_cid (apt package ipfs-cid) prints the CIDs Kubo's default `ipfs add` gives.
    private static string Oracle(string path)
    {
        using var process = Process.Start(new ProcessStartInfo("ipfs_cid", [path]) { RedirectStandardOutput = true, RedirectStandardError = true })
                            ?? throw new InvalidOperationException("ipfs_cid did not start (apt-get install -y ipfs-cid)");
        var output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        return JsonDocument.Parse(output).RootElement.GetProperty("CIDv0").GetString()!;
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(262_143L)]
    [InlineData(262_144L)]
    [InlineData(262_145L)]
    [InlineData(174L * 262_144)]
    [InlineData(174L * 262_144 + 1)]
    [InlineData(3L * 1024 * 1024)]
    [InlineData(100L * 1024 * 1024)]
    public async Task Legacy_profile_gives_the_CID_kubo_gives(long size)
    {
        var path = Path.Combine(Path.GetTempPath(), $"parity-unixfs-{Guid.NewGuid():N}.bin");
        try
        {
            await using (var file = File.Create(path)) await new SeededStream(size, (int)(size % 1000) + 7).CopyToAsync(file);
            var expected = Oracle(path);
            await using var input = File.OpenRead(path);
            var result = await UnixFsImporter.ImportAsync(input, ImportProfile.Legacy, new DiscardSink());
            Assert.Equal(expected, result.Root.ToString());
            Assert.Equal(size, result.FileSize);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Profiles_parse_by_name_and_unknown_names_are_listed()
    {
        Assert.Same(ImportProfile.Legacy, ImportProfile.Parse("legacy"));
        Assert.Same(ImportProfile.V1_2025, ImportProfile.Parse("v1-2025"));
        var e = Assert.Throws<ArgumentException>(() => ImportProfile.Parse("fast"));
        Assert.Contains("'legacy' and 'v1-2025'", e.Message);
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("v1-2025")]
    public async Task Import_then_read_gives_the_bytes_back_whole_and_in_slices(string profileName)
    {
        var profile = ImportProfile.Parse(profileName);
        var size = 3L * profile.ChunkSize + 12_345;
        var bytes = SeededStream.Bytes(size, 42);
        var store = new MemoryBlockstore();
        var result = await UnixFsImporter.ImportAsync(new MemoryStream(bytes), profile, store);
        Assert.Equal(profile.CidVersion, result.Root.Version);
        Assert.Equal(store.Count, result.BlockCount);
        Assert.Equal(store.TotalBytes, result.DagSize);

        var stat = await UnixFsReader.StatAsync(result.Root, store, default);
        Assert.Equal(UnixFsType.File, stat.Type);
        Assert.Equal(size, stat.FileSize);

        Assert.Equal(bytes, await ReadAll(result.Root, store, 0, null));
        foreach (var (offset, length) in new (long, long?)[] { (1, 10), (profile.ChunkSize - 5, 10), (profile.ChunkSize, null), (size - 1, 100), (size, null), (7, 2L * profile.ChunkSize) })
        {
            var end = length is { } l ? Math.Min(size, offset + l) : size;
            Assert.Equal(bytes.AsSpan((int)offset, (int)(end - offset)).ToArray(), await ReadAll(result.Root, store, offset, length));
        }
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => ReadAll(result.Root, store, size + 1, null));
    }

    [Fact]
    public async Task V1_2025_uses_raw_leaves_of_one_mebibyte_under_a_cidv1_dag_pb_root()
    {
        var store = new MemoryBlockstore();
        var result = await UnixFsImporter.ImportAsync(new SeededStream(2 * 1_048_576 + 1, 3), ImportProfile.V1_2025, store);
        Assert.Equal(Multicodec.DagPb, result.Root.Codec);
        var root = DagPbCodec.Decode(await store.GetAsync(result.Root, default));
        Assert.Equal(3, root.Links.Count);
        var sizes = UnixFsData.Decode(root.Data!).BlockSizes;
        Assert.Equal([1_048_576UL, 1_048_576UL, 1UL], sizes);
        foreach (var link in root.Links)
        {
            Assert.Equal(Multicodec.Raw, link.Hash.Codec);
            Assert.Equal(1, link.Hash.Version);
            Assert.Equal((ulong)(await store.GetAsync(link.Hash, default)).Length, link.Tsize);
        }

        var single = await UnixFsImporter.ImportAsync(new MemoryStream([1, 2, 3]), ImportProfile.V1_2025, store);
        Assert.Equal(Multicodec.Raw, single.Root.Codec);
        Assert.Equal(UnixFsType.Raw, (await UnixFsReader.StatAsync(single.Root, store, default)).Type);
    }

    [Fact]
    public async Task Balanced_tree_keeps_leaves_at_one_depth_and_parents_within_max_links()
    {
        var profile = new ImportProfile("tiny", 1, true, 4, 3);
        var bytes = SeededStream.Bytes(4 * 10 + 1, 5); // 11 leaves, 3 links: depth 3
        var store = new MemoryBlockstore();
        var result = await UnixFsImporter.ImportAsync(new MemoryStream(bytes), profile, store);
        var leafDepths = new HashSet<int>();
        async Task<ulong> Walk(Cid cid, int depth)
        {
            var block = await store.GetAsync(cid, default);
            if (cid.Codec == Multicodec.Raw) { leafDepths.Add(depth); return (ulong)block.Length; }
            var node = DagPbCodec.Decode(block);
            Assert.InRange(node.Links.Count, 1, 3);
            ulong tsize = (ulong)block.Length;
            foreach (var link in node.Links)
            {
                var child = await Walk(link.Hash, depth + 1);
                Assert.Equal(child, link.Tsize);
                tsize += child;
            }
            return tsize;
        }
        await Walk(result.Root, 0);
        Assert.Equal([3], leafDepths);
        Assert.Equal(bytes, await ReadAll(result.Root, store, 0, null));
    }

    internal static async Task<byte[]> ReadAll(Cid root, IBlockSource source, long offset, long? length)
    {
        var output = new MemoryStream();
        await foreach (var piece in UnixFsReader.ReadAsync(root, source, offset, length)) output.Write(piece.Span);
        return output.ToArray();
    }
}
