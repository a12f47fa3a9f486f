namespace Parity.Storage;

/// <summary>How blocks are fetched from trustless gateways. Validated up front by <see cref="Validate"/>.</summary>
public sealed record GatewayFetchOptions
{
    /// <summary>The trustless gateway spec's ceiling for one block; anything larger is a gateway attacking the fetcher.</summary>
    public const int SpecMaxBlockBytes = 2 * 1024 * 1024;

    /// <summary>Gateway base URLs, in order of preference (IPFS_GATEWAYS).</summary>
    public required IReadOnlyList<Uri> Gateways { get; init; }
    /// <summary>Longest one request may take in all (IPFS_TIMEOUT).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Longest a gateway may send nothing, before headers or between bytes (IPFS_STALL_TIMEOUT).</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>A block not verified by then is also asked of the next gateway; the first verified answer wins.</summary>
    public TimeSpan HedgeDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>
    /// Ask every gateway at once for the first block of a fetch, when none has a record yet; the first verified answer
    /// sets the order, and a stalling or refusing gateway costs the fetch nothing.
    /// </summary>
    public bool RaceFirstBlock { get; init; } = true;
    public int MaxBlockBytes { get; init; } = SpecMaxBlockBytes;
    /// <summary>Retries of a transient error (5xx, 429, a connection failure) at one gateway, with exponential backoff.</summary>
    public int Retries { get; init; } = 2;
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="ArgumentException"/> naming the gateway's index (<c>IPFS_GATEWAYS[2]</c>) or the setting.</summary>
    public GatewayFetchOptions Validate(string listName = "IPFS_GATEWAYS")
    {
        if (Gateways.Count == 0) throw new ArgumentException($"{listName} is empty: at least one gateway is needed");
        for (var i = 0; i < Gateways.Count; i++)
        {
            var g = Gateways[i];
            if (!g.IsAbsoluteUri || g.Scheme is not ("http" or "https") || g.UserInfo.Length > 0 || g.Query.Length > 0 || g.Fragment.Length > 0)
                throw new ArgumentException($"{listName}[{i}] must be an http(s) URL with no user, query or fragment, got '{g}'");
        }
        if (MaxBlockBytes is < 1 or > SpecMaxBlockBytes)
            throw new ArgumentException($"the block size cap must be from 1 to {SpecMaxBlockBytes} bytes, got {MaxBlockBytes}");
        if (StallTimeout <= TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero || HedgeDelay < TimeSpan.Zero)
            throw new ArgumentException("gateway timeouts must be positive");
        if (Retries is < 0 or > 10) throw new ArgumentException($"retries must be from 0 to 10, got {Retries}");
        return this;
    }
}
