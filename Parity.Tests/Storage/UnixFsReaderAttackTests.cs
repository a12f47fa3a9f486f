using Parity.Storage;

namespace Parity.Tests.Storage;

public class UnixFsReaderAttackTests
{
    private readonly MemoryBlockstore _store = new();

    private Cid Put(byte[] block, ulong codec)
    {
        var cid = Cid.Of(block, codec, 1);
        _store.PutAsync(cid, block, default).AsTask().Wait();
        return cid;
    }

    private Cid Raw(int size) => Put(new byte[size], Multicodec.Raw);

    private Cid Node(UnixFsType type, ulong? fileSize, ulong[] blockSizes, (Cid Cid, string? Name)[] links, byte[]? data = null) =>
        Put(DagPbCodec.Encode(new PbNode(links.Select(l => new PbLink(l.Cid, l.Name, 1)).ToList(),
            new UnixFsData(type, data, fileSize, blockSizes).Encode())), Multicodec.DagPb);

    private async Task<string> Refused(Cid root)
    {
        var e = await Assert.ThrowsAsync<DagPbFormatException>(() => UnixFsImporterTests.ReadAll(root, _store, 0, null));
        return e.Message;
    }

    [Fact]
    public async Task Raw_leaves_inside_a_dag_pb_file_are_fine()
    {
        var root = Node(UnixFsType.File, 15, [10, 5], [(Raw(10), ""), (Raw(5), null)]);
        Assert.Equal(15, (await UnixFsImporterTests.ReadAll(root, _store, 0, null)).Length);
    }

    [Fact]
    public async Task Blocksizes_that_do_not_pair_with_links_are_refused()
    {
        var root = Node(UnixFsType.File, 10, [10, 0], [(Raw(10), "")]);
        var message = await Refused(root);
        Assert.Contains(root.ToString(), message);
        Assert.Contains("1 link(s) but 2 blocksize(s)", message);
    }

    [Fact]
    public async Task Filesize_other_than_the_sum_of_children_is_refused()
    {
        Assert.Contains("says filesize 99", await Refused(Node(UnixFsType.File, 99, [10], [(Raw(10), "")])));
        // Inline data counts too: 5 bytes of data + a 10-byte child is 15, not 10.
        Assert.Contains("add up to 15", await Refused(Node(UnixFsType.File, 10, [10], [(Raw(10), "")], [1, 2, 3, 4, 5])));
    }

    [Fact]
    public async Task A_child_holding_other_than_its_blocksize_is_refused()
    {
        var child = Raw(10);
        var message = await Refused(Node(UnixFsType.File, 11, [11], [(child, "")]));
        Assert.Contains(child.ToString(), message);
        Assert.Contains("blocksizes[0] = 11", message);
    }

    [Fact]
    public async Task Named_links_inside_a_file_are_refused()
    {
        Assert.Contains("links[0] is named 'etc'", await Refused(Node(UnixFsType.File, 10, [10], [(Raw(10), "etc")])));
    }

    [Theory]
    [InlineData(UnixFsType.Directory)]
    [InlineData(UnixFsType.Symlink)]
    [InlineData(UnixFsType.HamtShard)]
    public async Task Directories_symlinks_and_hamts_are_refused_as_root_or_child(UnixFsType type)
    {
        var other = Node(type, null, [], []);
        Assert.Contains("only files are supported", await Refused(other));
        Assert.Contains("only files are supported", await Refused(Node(UnixFsType.File, 1, [1], [(other, "")])));
        await Assert.ThrowsAsync<DagPbFormatException>(() => UnixFsReader.StatAsync(other, _store, default));
    }

    [Fact]
    public async Task A_dag_deeper_than_the_bound_is_refused()
    {
        var cid = Raw(1);
        for (var i = 0; i < UnixFsReader.MaxDepth + 5; i++) cid = Node(UnixFsType.File, 1, [1], [(cid, "")]);
        Assert.Contains($"deeper than {UnixFsReader.MaxDepth} levels", await Refused(cid));
    }

    [Fact]
    public async Task A_bare_dag_pb_node_without_unixfs_data_is_refused()
    {
        var root = Put(DagPbCodec.Encode(new PbNode([], null)), Multicodec.DagPb);
        Assert.Contains("has no UnixFS Data", await Refused(root));
    }
}
