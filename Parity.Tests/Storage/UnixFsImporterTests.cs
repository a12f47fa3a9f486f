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

    /// <summary>Records, at the moment of each put, whether the bytes hash to the CID and which array holds them.</summary>
    private sealed class RecordingSink(bool retains) : IBlockSink
    {
        public List<(Cid Cid, byte[] Array, byte[] Copy, bool HashedAtPut)> Puts { get; } = [];
        public bool RetainsBlocks => retains;

        public ValueTask PutAsync(VerifiedBlock block, CancellationToken cancellation)
        {
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(block.Bytes, out var segment));
            Puts.Add((block.Cid, segment.Array!, block.Bytes.ToArray(), block.Cid.Matches(block.Bytes.Span)));
            return ValueTask.CompletedTask;
        }
    }

    [Theory]
    [InlineData("legacy")]
    [InlineData("v1-2025")]
    public async Task A_sink_that_does_not_retain_blocks_gets_one_reused_leaf_buffer_and_the_same_dag(string profileName)
    {
        var profile = ImportProfile.Parse(profileName);
        var bytes = new byte[3 * profile.ChunkSize + 1234]; // three whole chunks and a short last one
        new Random(5).NextBytes(bytes);
        var keeping = new RecordingSink(retains: true);
        var discarding = new RecordingSink(retains: false);

        var kept = await UnixFsImporter.ImportAsync(new MemoryStream(bytes), profile, keeping);
        var hashed = await UnixFsImporter.ImportAsync(new MemoryStream(bytes), profile, discarding);

        Assert.Equal(kept.Root, hashed.Root);
        Assert.Equal(keeping.Puts.Select(p => p.Cid), discarding.Puts.Select(p => p.Cid));
        Assert.Equal(keeping.Puts.Select(p => p.Copy), discarding.Puts.Select(p => p.Copy));
        Assert.All(discarding.Puts, p => Assert.True(p.HashedAtPut, $"{p.Cid} did not hash to its CID when it was put"));
        var leaves = discarding.Puts.Take(4).ToList(); // the four leaves come before their parent
        Assert.Single(leaves.Select(p => p.Array).Distinct());
        // A retaining sink owns what it was given: four arrays, each still holding its block after the import.
        Assert.Equal(4, keeping.Puts.Take(4).Select(p => p.Array).Distinct().Count());
        Assert.All(keeping.Puts, p => Assert.True(p.Cid.Matches(p.Array.AsSpan(0, p.Copy.Length)) && p.Array.Length == p.Copy.Length,
            $"{p.Cid}'s array was changed or is not exactly the block"));
    }

    [Fact]
    public void Sinks_retain_blocks_unless_they_say_otherwise()
    {
        Assert.True(((IBlockSink)new MemoryBlockstore()).RetainsBlocks);
        Assert.True(((IBlockSink)new DiscardSink()).RetainsBlocks);
        Assert.False(((IBlockSink)DiscardingBlockSink.Instance).RetainsBlocks);
    }

    internal static async Task<byte[]> ReadAll(Cid root, IBlockSource source, long offset, long? length)
    {
        var output = new MemoryStream();
        await foreach (var piece in UnixFsReader.ReadAsync(root, source, offset, length)) output.Write(piece.Span);
        return output.ToArray();
    }
}
