using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Dir = System.IO.Directory;

namespace Parity.Storage;

/// <summary>
/// Tasks' long output streams on disk, one file per task, attempt and stream, named by CID. A task's files share one
/// folder, so expiring a task is one delete, and content that two tasks printed alike is never shared between them (a
/// block store would have to count references to delete safely). The CID is the one Kubo's <c>ipfs add</c> gives the
/// same bytes with the v1-2025 profile, so anyone holding a copy can check it. Writes go to a temporary file first and
/// are renamed into place: a crash never leaves half a stream under a final name.
/// </summary>
public sealed class OutputStore
{
    /// <summary>The stream names a store takes; anything else is refused, so no name can reach outside a task's folder.</summary>
    public static readonly IReadOnlyList<string> Streams = ["stdout", "stderr"];

    private readonly string _root;

    public OutputStore(string directory)
    {
        _root = Path.GetFullPath(directory);
        Dir.CreateDirectory(_root);
    }

    public string Root => _root;

    public async Task<StoredOutput> PutAsync(string taskId, int attempt, string stream, ReadOnlyMemory<byte> content,
        CancellationToken cancellation = default)
    {
        var path = PathOf(taskId, attempt, stream);
        Dir.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        var imported = await UnixFsImporter.ImportAsync(bytes, ImportProfile.V1_2025,
            DiscardingBlockSink.Instance, cancellation: cancellation);
        var temporary = path + ".partial";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            await file.WriteAsync(content, cancellation);
        File.Move(temporary, path, overwrite: true);
        return new StoredOutput(imported.Root, content.Length);
    }

    /// <summary>The stored stream to read, or a <see cref="FileNotFoundException"/> when there is none.</summary>
    public Stream Open(string taskId, int attempt, string stream)
    {
        var path = PathOf(taskId, attempt, stream);
        return File.Exists(path)
            ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 65_536, FileOptions.Asynchronous)
            : throw new FileNotFoundException($"no stored {stream} of task '{taskId}' attempt {attempt} here", path);
    }

    /// <summary>The stored stream's length, or null when there is none.</summary>
    public long? Length(string taskId, int attempt, string stream)
    {
        var file = new FileInfo(PathOf(taskId, attempt, stream));
        return file.Exists ? file.Length : null;
    }

    /// <summary>Deletes every stored stream of the task; true when there was one.</summary>
    public bool Delete(string taskId)
    {
        var folder = FolderOf(taskId);
        if (!Dir.Exists(folder)) return false;
        Dir.Delete(folder, recursive: true);
        return true;
    }

    /// <summary>
    /// Deletes the folders of tasks last written before <paramref name="cutoff"/>: the backstop for tasks whose expiry
    /// could not reach this store (its silo was down then). Returns how many it deleted.
    /// </summary>
    public int DeleteOlderThan(DateTimeOffset cutoff)
    {
        var deleted = 0;
        foreach (var fan in Dir.EnumerateDirectories(_root))
        foreach (var folder in Dir.EnumerateDirectories(fan))
        {
            if (Dir.GetLastWriteTimeUtc(folder) >= cutoff.UtcDateTime) continue;
            try
            {
                Dir.Delete(folder, recursive: true);
                deleted++;
            }
            catch (DirectoryNotFoundException)
            {
                // Deleted by an expiry at the same moment.
            }
        }
        return deleted;
    }

    private string PathOf(string taskId, int attempt, string stream)
    {
        if (!Streams.Contains(stream)) throw new ArgumentException($"stream must be one of {string.Join(", ", Streams)}, got '{stream}'", nameof(stream));
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        return Path.Combine(FolderOf(taskId), $"{attempt}.{stream}");
    }

    /// <summary>
    /// A task's folder is named by the SHA-256 of its id: any id is a safe file name then, and the first byte fans the
    /// folders out so no directory grows past a few thousand entries.
    /// </summary>
    private string FolderOf(string taskId)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(taskId)));
        return Path.Combine(_root, hash[..2], hash);
    }
}
