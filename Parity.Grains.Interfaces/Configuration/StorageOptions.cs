namespace Parity.Configuration;

/// <summary>Content by CID: the gateway's blockstore, the gateways runners fetch from and their cache (STORAGE_*, IPFS_*, RUNNER_CACHE_*).</summary>
public sealed record StorageOptions
{
    private static readonly string ParityHome =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".parity");

    /// <summary>The gateway's content-addressed blockstore (STORAGE_DIR).</summary>
    public string Directory { get; set; } = Path.Combine(ParityHome, "storage");
    /// <summary>Largest file an upload may add (STORAGE_MAX_FILE_SIZE).</summary>
    public long MaxFileBytes { get; set; } = 4L << 30;
    /// <summary>
    /// Trustless gateways runners fetch blocks from, in order of preference (IPFS_GATEWAYS). Unset: the cluster's own
    /// gateway, as GATEWAY_URLS names it (a wildcard host read as loopback).
    /// </summary>
    public IReadOnlyList<Uri> Gateways { get; set; } = [new("http://127.0.0.1:5080/")];
    /// <summary>A Kubo-RPC-compatible node that uploads are also added and pinned on (IPFS_API_URL); null: none.</summary>
    public Uri? IpfsApiUrl { get; set; }
    /// <summary>Longest one request to a gateway may take (IPFS_TIMEOUT).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest a gateway may go without sending a byte before the block is asked elsewhere (IPFS_STALL_TIMEOUT).</summary>
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>The runner's cache of verified blocks (RUNNER_CACHE_DIR).</summary>
    public string CacheDirectory { get; set; } = Path.Combine(ParityHome, "cache");
    /// <summary>Size cap of the cache; the least recently used blocks go first (RUNNER_CACHE_SIZE).</summary>
    public long CacheMaxBytes { get; set; } = 10L << 30;
}
