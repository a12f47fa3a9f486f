using Parity.Storage;

namespace Parity.Tests.Federation;

/// <summary>A task names a CID, never a path: nothing outside the datasets directory can be read through it.</summary>
public sealed class DirectoryDatasetSourceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("parity-ds-").FullName;
    private string Datasets => Path.Combine(_root, "datasets");

    public DirectoryDatasetSourceTests()
    {
        Directory.CreateDirectory(Datasets);
        File.WriteAllText(Path.Combine(Datasets, "QmGood"), "a,b\n1,0\n");
        File.WriteAllText(Path.Combine(_root, "secret"), "RUNNER_WEBHOOK_SECRET=hunter2");
        File.CreateSymbolicLink(Path.Combine(Datasets, "QmLinkOut"), Path.Combine(_root, "secret"));
        File.WriteAllText(Path.Combine(Datasets, "QmBig"), new string('x', 4096));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_file_named_by_its_cid_is_read()
    {
        var bytes = await new DirectoryDatasetSource(Datasets, 1 << 20).ReadAsync("QmGood", CancellationToken.None);
        Assert.Equal("a,b\n1,0\n", System.Text.Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("../secret", "is not a CID")]
    [InlineData("/etc/passwd", "is not a CID")]
    [InlineData("QmLinkOut", "is a link out of the directory")]
    [InlineData("QmAbsent", "is not on this runner")]
    public async Task Paths_links_out_and_absent_cids_are_refused(string cid, string expected)
    {
        var error = await Assert.ThrowsAsync<DatasetNotFoundException>(
            () => new DirectoryDatasetSource(Datasets, 1 << 20).ReadAsync(cid, CancellationToken.None));
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain("hunter2", error.Message);
    }

    [Fact]
    public async Task A_dataset_over_the_size_limit_is_refused_naming_the_key()
    {
        var error = await Assert.ThrowsAsync<DatasetNotFoundException>(
            () => new DirectoryDatasetSource(Datasets, 1024).ReadAsync("QmBig", CancellationToken.None));
        Assert.Contains("RUNNER_DATASET_MAX_SIZE", error.Message);
    }

    [Fact]
    public async Task A_missing_directory_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<DatasetNotFoundException>(
            () => new DirectoryDatasetSource(Path.Combine(_root, "nope"), 1024).ReadAsync("QmGood", CancellationToken.None));
        Assert.Contains("RUNNER_DATASETS_DIR", error.Message);
    }
}
