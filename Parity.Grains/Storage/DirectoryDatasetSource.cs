using Parity.Federation;

namespace Parity.Storage;

/// <summary>
/// Datasets as files named by their CID in one operator-configured directory (<c>RUNNER_DATASETS_DIR</c>). A task names
/// a CID, never a path: the CID must be letters and digits only, and the file it names must resolve (links followed)
/// to a regular file inside the directory, so a task cannot read anything else on the runner.
/// </summary>
public sealed class DirectoryDatasetSource(string directory, long maxBytes) : IDatasetSource
{
    public string Directory { get; } = Path.GetFullPath(directory);

    public async Task<byte[]> ReadAsync(string cid, CancellationToken cancellation)
    {
        if (!CidSyntax.IsWellFormed(cid))
            throw new DatasetNotFoundException($"dataset_cid '{cid}' is not a CID (letters and digits only)");
        var path = Resolve(cid);
        var length = new FileInfo(path).Length;
        if (length > maxBytes)
            throw new DatasetNotFoundException(
                $"dataset {cid} is {length} bytes, over this runner's limit of {maxBytes} (RUNNER_DATASET_MAX_SIZE)");
        return await File.ReadAllBytesAsync(path, cancellation);
    }

    private string Resolve(string cid)
    {
        var root = System.IO.Directory.Exists(Directory)
            ? new DirectoryInfo(Directory).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Directory
            : throw new DatasetNotFoundException(
                $"dataset {cid} is not on this runner: its datasets directory {Directory} does not exist (RUNNER_DATASETS_DIR)");
        var file = new FileInfo(Path.Combine(root, cid));
        var target = file.Exists ? file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file : null;
        if (target is null || !target.Exists)
            throw new DatasetNotFoundException($"dataset {cid} is not on this runner (no file named {cid} in {Directory})");
        // A link may point anywhere: only a regular file inside the directory is served.
        var inside = Path.GetDirectoryName(target.FullName) == root.TrimEnd(Path.DirectorySeparatorChar);
        if (!inside || (target.Attributes & FileAttributes.Directory) != 0)
            throw new DatasetNotFoundException($"dataset {cid} in {Directory} is a link out of the directory or not a file; refused");
        return target.FullName;
    }
}
