namespace Parity.Storage;

/// <summary>
/// Blocks as files under a directory, one per block, named by the hex of the multihash (so the CIDv0 and CIDv1 of one
/// block share a file) in 256 subdirectories by the digest's first byte. Files are written to a temporary name and
/// renamed, so a reader never sees half a block. Reads re-hash: a file damaged on disk is deleted and reported as not
/// found, so a cache in front of a network source fetches it again. With a byte cap, the least recently used blocks
/// are evicted once the total passes it.
/// </summary>
public sealed class FileBlockstore : IBlockStore
{
    private readonly string _directory;
    private readonly string _temporary;
    /// <summary>No write takes this long: a temporary file this old was left by a crash.</summary>
    private static readonly TimeSpan StaleTemporary = TimeSpan.FromHours(1);
    private readonly long? _maxBytes;
    private readonly object _gate = new();
    // Least recently used first; the dictionary finds a block's node in the list.
    private readonly LinkedList<Entry> _lru = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private long _totalBytes;

    private sealed record Entry(string Key, long Size);

    public FileBlockstore(string directory, long? maxBytes = null)
    {
        if (maxBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "maxBytes must be positive");
        _directory = Path.GetFullPath(directory);
        _temporary = Path.Combine(_directory, "tmp");
        _maxBytes = maxBytes;
        Directory.CreateDirectory(_directory);
        Directory.CreateDirectory(_temporary);
        // Leftovers of writes cut short by a crash are never valid blocks. Only old ones go: another store on the same
        // directory (two silos of one machine, or of one test) may be writing its own right now.
        foreach (var leftover in new DirectoryInfo(_temporary).EnumerateFiles())
            if (leftover.LastWriteTimeUtc < DateTime.UtcNow - StaleTemporary)
                leftover.Delete();
        LoadIndex();
    }

    public long TotalBytes
    {
        get { lock (_gate) return _totalBytes; }
    }

    public bool Has(Cid cid)
    {
        if (cid.Hash.Code == Multicodec.Identity) return true;
        lock (_gate) return _entries.ContainsKey(Key(cid));
    }

    public bool Delete(Cid cid)
    {
        if (cid.Hash.Code == Multicodec.Identity) return false;
        var key = Key(cid);
        lock (_gate)
        {
            if (!_entries.Remove(key, out var node)) return false;
            _lru.Remove(node);
            _totalBytes -= node.Value.Size;
            TryDeleteFile(PathOf(key));
            return true;
        }
    }

    public async ValueTask<byte[]> GetAsync(Cid cid, CancellationToken cancellation)
    {
        if (cid.Hash.Code == Multicodec.Identity) return cid.Hash.Digest.ToArray();
        var key = Key(cid);
        lock (_gate)
        {
            if (!_entries.TryGetValue(key, out var node)) throw new BlockNotFoundException(cid, $"block {cid} is not in the blockstore");
            _lru.Remove(node);
            _lru.AddLast(node);
        }
        byte[] block;
        try
        {
            block = await File.ReadAllBytesAsync(PathOf(key), cancellation);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            Forget(key);
            throw new BlockNotFoundException(cid, $"block {cid} was evicted or removed from the blockstore");
        }
        if (!cid.Matches(block))
        {
            Delete(cid);
            throw new BlockNotFoundException(cid, $"block {cid} was damaged on disk (its bytes no longer hash to the CID) and was deleted");
        }
        return block;
    }

    /// <summary>Stores a verified block (its bytes were hashed once already, on arrival or when its CID was computed).</summary>
    public async ValueTask PutAsync(VerifiedBlock verified, CancellationToken cancellation)
    {
        var (cid, block) = (verified.Cid, verified.Bytes);
        if (cid.Hash.Code == Multicodec.Identity) return;
        var key = Key(cid);
        lock (_gate)
        {
            if (_entries.TryGetValue(key, out var existing))
            {
                _lru.Remove(existing);
                _lru.AddLast(existing);
                return;
            }
        }
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = Path.Combine(_temporary, $"{key}.{Guid.NewGuid():N}");
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
        {
            await file.WriteAsync(block, cancellation);
            await file.FlushAsync(cancellation);
        }
        File.Move(temporary, path, overwrite: true);
        lock (_gate)
        {
            if (!_entries.ContainsKey(key))
            {
                _entries[key] = _lru.AddLast(new Entry(key, block.Length));
                _totalBytes += block.Length;
            }
            EvictOverCap();
        }
    }

    private void EvictOverCap()
    {
        while (_maxBytes is { } cap && _totalBytes > cap && _lru.First is { } oldest)
        {
            _lru.RemoveFirst();
            _entries.Remove(oldest.Value.Key);
            _totalBytes -= oldest.Value.Size;
            TryDeleteFile(PathOf(oldest.Value.Key));
        }
    }

    private void Forget(string key)
    {
        lock (_gate)
        {
            if (!_entries.Remove(key, out var node)) return;
            _lru.Remove(node);
            _totalBytes -= node.Value.Size;
        }
    }

    private void LoadIndex()
    {
        // Last use survives a restart only as the file's last write; reads since are not recorded on disk.
        var files = new List<FileInfo>();
        foreach (var shard in new DirectoryInfo(_directory).EnumerateDirectories())
            if (shard.FullName != _temporary)
                files.AddRange(shard.EnumerateFiles());
        foreach (var file in files.OrderBy(f => f.LastWriteTimeUtc))
        {
            if (_entries.ContainsKey(file.Name)) continue;
            _entries[file.Name] = _lru.AddLast(new Entry(file.Name, file.Length));
            _totalBytes += file.Length;
        }
        EvictOverCap();
    }

    private static string Key(Cid cid) => Convert.ToHexStringLower(cid.Hash.Code == Multicodec.Sha2_256
        ? [0x12, 0x20, .. cid.Hash.Digest]
        : throw new CidFormatException($"hash function {Multicodec.Name(cid.Hash.Code)} cannot be stored"));

    // "1220" + digest: the shard is the digest's first byte.
    private string PathOf(string key) => Path.Combine(_directory, key.Substring(4, 2), key);

    private static void TryDeleteFile(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
    }
}
