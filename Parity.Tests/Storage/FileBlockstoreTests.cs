using Parity.Storage;

namespace Parity.Tests.Storage;

public sealed class FileBlockstoreTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"parity-blocks-{Guid.NewGuid():N}");

    public void Dispose() => Directory.Delete(_dir, true);

    private static (Cid Cid, byte[] Block) Block(int size, int seed)
    {
        var block = SeededStream.Bytes(size, seed);
        return (Cid.Of(block, Multicodec.Raw, 1), block);
    }

    private string[] BlockFiles() => Directory.GetFiles(_dir, "*", SearchOption.AllDirectories).Where(f => !f.StartsWith(Path.Combine(_dir, "tmp"))).ToArray();

    [Fact]
    public async Task Blocks_round_trip_and_v0_and_v1_share_one_file()
    {
        var store = new FileBlockstore(_dir);
        var node = DagPbCodec.Encode(new PbNode([], [8, 2]));
        var v0 = Cid.Of(node, Multicodec.DagPb, 0);
        await store.PutAsync(v0, node, default);
        Assert.True(store.Has(v0.ToV1()));
        Assert.Equal(node, await store.GetAsync(v0.ToV1(), default));
        await store.PutAsync(v0.ToV1(), node, default);
        Assert.Single(BlockFiles());
        Assert.Equal(node.Length, store.TotalBytes);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "tmp")));
        Assert.True(store.Delete(v0));
        await Assert.ThrowsAsync<BlockNotFoundException>(() => store.GetAsync(v0, default).AsTask());
    }

    [Fact]
    public async Task A_block_that_does_not_match_its_cid_is_not_stored()
    {
        var store = new FileBlockstore(_dir);
        var (cid, _) = Block(100, 1);
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(cid, new byte[100], default).AsTask());
        Assert.Empty(BlockFiles());
    }

    [Fact]
    public async Task The_least_recently_used_block_is_evicted_over_the_cap()
    {
        var store = new FileBlockstore(_dir, 3000);
        var (a, b, c, d) = (Block(1000, 1), Block(1000, 2), Block(1000, 3), Block(1000, 4));
        await store.PutAsync(a.Cid, a.Block, default);
        await store.PutAsync(b.Cid, b.Block, default);
        await store.PutAsync(c.Cid, c.Block, default);
        await store.GetAsync(a.Cid, default); // a is now more recent than b
        await store.PutAsync(d.Cid, d.Block, default);
        Assert.False(store.Has(b.Cid));
        Assert.True(store.Has(a.Cid) && store.Has(c.Cid) && store.Has(d.Cid));
        Assert.Equal(3000, store.TotalBytes);
        Assert.Equal(3, BlockFiles().Length);
    }

    [Fact]
    public async Task A_corrupted_file_is_deleted_and_reported_missing_and_a_restart_reindexes()
    {
        var store = new FileBlockstore(_dir);
        var (cid, block) = Block(500, 9);
        var (other, otherBlock) = Block(300, 10);
        await store.PutAsync(cid, block, default);
        await store.PutAsync(other, otherBlock, default);
        var file = BlockFiles().Single(f => new FileInfo(f).Length == 500);
        var bytes = await File.ReadAllBytesAsync(file);
        bytes[17] ^= 0x40;
        await File.WriteAllBytesAsync(file, bytes);
        var e = await Assert.ThrowsAsync<BlockNotFoundException>(() => store.GetAsync(cid, default).AsTask());
        Assert.Contains("damaged", e.Message);
        Assert.False(File.Exists(file));
        Assert.False(store.Has(cid));

        // A write cut short by a crash leaves only a temporary file, which a restart discards; a fresh one may be another
        // store's write in progress on the same directory, and is left alone.
        var crashed = Path.Combine(_dir, "tmp", "half-written");
        var inProgress = Path.Combine(_dir, "tmp", "being-written");
        await File.WriteAllBytesAsync(crashed, [1, 2]);
        File.SetLastWriteTimeUtc(crashed, DateTime.UtcNow.AddHours(-2));
        await File.WriteAllBytesAsync(inProgress, [3]);
        var reopened = new FileBlockstore(_dir);
        Assert.True(reopened.Has(other));
        Assert.Equal(300, reopened.TotalBytes);
        Assert.Equal([inProgress], Directory.GetFiles(Path.Combine(_dir, "tmp")));
    }
}
