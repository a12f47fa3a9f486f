using System.Text;
using Parity.Runners;
using Parity.Storage;
using Parity.Tests.Support;

namespace Parity.Tests.Storage;

/// <summary>The output store on disk, and the head a result keeps of a long stream.</summary>
public sealed class OutputStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"parity-outputs-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_stored_stream_reads_back_whole_and_its_cid_is_the_one_the_real_node_gives()
    {
        var store = new OutputStore(_root);
        // Over one 1 MiB chunk, so the CID is of a two-leaf DAG, not of a single raw block.
        var content = new byte[1_500_000];
        new Random(7).NextBytes(content);

        var stored = await store.PutAsync("task-1", 2, "stdout", content);

        Assert.Equal(content.Length, stored.Bytes);
        Assert.Equal(content.Length, store.Length("task-1", 2, "stdout"));
        await using (var read = store.Open("task-1", 2, "stdout"))
        {
            var copy = new MemoryStream();
            await read.CopyToAsync(copy);
            Assert.Equal(content, copy.ToArray());
        }
        using var http = new HttpClient();
        var node = new IpfsNodeClient(TestEngines.Ipfs, http);
        var expected = await node.AddAsync(new MemoryStream(content), IpfsAddOptions.UnixFsV1_2025 with { OnlyHash = true });
        Assert.Equal(expected, stored.Cid.ToString());
    }

    [Fact]
    public async Task Attempts_and_streams_are_kept_apart_and_a_task_is_deleted_whole()
    {
        var store = new OutputStore(_root);
        await store.PutAsync("t", 1, "stdout", "first"u8.ToArray());
        await store.PutAsync("t", 2, "stdout", "second!"u8.ToArray());
        await store.PutAsync("t", 2, "stderr", "e"u8.ToArray());
        await store.PutAsync("other", 1, "stdout", "kept"u8.ToArray());

        Assert.Equal(5, store.Length("t", 1, "stdout"));
        Assert.Equal(7, store.Length("t", 2, "stdout"));
        Assert.Equal(1, store.Length("t", 2, "stderr"));
        Assert.Null(store.Length("t", 3, "stdout"));

        Assert.True(store.Delete("t"));
        Assert.Null(store.Length("t", 2, "stdout"));
        Assert.Null(store.Length("t", 2, "stderr"));
        Assert.Throws<FileNotFoundException>(() => store.Open("t", 2, "stdout"));
        Assert.Equal(4, store.Length("other", 1, "stdout"));
        Assert.False(store.Delete("t"));
    }

    [Theory]
    [InlineData("../stdout")]
    [InlineData("stdin")]
    [InlineData("")]
    public async Task Only_stdout_and_stderr_are_stream_names(string stream)
    {
        var store = new OutputStore(_root);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync("t", 1, stream, "x"u8.ToArray()));
        Assert.Contains("stdout, stderr", e.Message);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("a/b")]
    [InlineData("..")]
    public async Task Any_task_id_stays_inside_the_store(string id)
    {
        var store = new OutputStore(_root);
        await store.PutAsync(id, 1, "stdout", "x"u8.ToArray());
        var files = Directory.GetFiles(_root, "*", SearchOption.AllDirectories);
        var file = Assert.Single(files);
        Assert.StartsWith(Path.GetFullPath(_root) + Path.DirectorySeparatorChar, Path.GetFullPath(file));
        Assert.Equal(1, store.Length(id, 1, "stdout"));
    }

    [Fact]
    public async Task The_age_sweep_deletes_only_folders_written_before_the_cutoff()
    {
        var store = new OutputStore(_root);
        await store.PutAsync("old", 1, "stdout", "o"u8.ToArray());
        await store.PutAsync("new", 1, "stdout", "n"u8.ToArray());
        var oldFolder = Directory.GetDirectories(_root, "*", SearchOption.AllDirectories)
            .Single(d => Directory.GetFiles(d).Any(f => File.ReadAllText(f) == "o"));
        Directory.SetLastWriteTimeUtc(oldFolder, DateTime.UtcNow.AddDays(-8));

        Assert.Equal(1, store.DeleteOlderThan(DateTimeOffset.UtcNow.AddDays(-7)));

        Assert.Null(store.Length("old", 1, "stdout"));
        Assert.Equal(1, store.Length("new", 1, "stdout"));
    }

    [Theory]
    [InlineData("abcdef", 4, "abcd")]
    [InlineData("abc", 4, "abc")]
    // "é" is two bytes (C3 A9): a cut between them steps back to before the character.
    [InlineData("aé", 2, "a")]
    [InlineData("aé", 3, "aé")]
    // "€" is three bytes: a cut after its first or second byte keeps none of it.
    [InlineData("x€y", 2, "x")]
    [InlineData("x€y", 3, "x")]
    [InlineData("x€y", 4, "x€")]
    // A four-byte character (U+1F600) is never split into half a surrogate pair.
    [InlineData("a\U0001F600", 4, "a")]
    [InlineData("a\U0001F600", 5, "a\U0001F600")]
    public void The_head_ends_on_a_whole_character(string text, int limit, string expected)
    {
        var head = LongOutputs.Head(Encoding.UTF8.GetBytes(text), limit);
        Assert.Equal(expected, head);
        Assert.True(Encoding.UTF8.GetByteCount(head) <= limit);
    }
}
