namespace Parity.Network;

/// <summary>
/// Network mode (UPSTREAM.md §2): the upstream server this cluster's runners join, and how they talk to it. Without
/// <see cref="ServerUrl"/> the cluster is standalone and nothing here is used.
/// </summary>
public sealed record UpstreamOptions
{
    /// <summary>The upstream server's base URL, no path (RUNNER_SERVER_URL); null: standalone.</summary>
    public Uri? ServerUrl { get; set; }
    /// <summary>
    /// The wallet address registered with the server (RUNNER_WALLET_ADDRESS), else the address the keystore names
    /// (readable without its passphrase).
    /// </summary>
    public string? WalletAddress { get; set; }
    /// <summary>
    /// The URL the server pushes tasks to (RUNNER_WEBHOOK_URL), else the first GATEWAY_URLS entry's /webhook (a
    /// wildcard host read as 127.0.0.1, so a server on this machine only). With a tunnel, where the tunnel forwards to;
    /// the URL registered is then the tunnel's (see <see cref="WebhookAddress"/>).
    /// </summary>
    public Uri? WebhookUrl { get; set; }
    /// <summary>This runner's device id: RUNNER_DEVICE_ID from the environment, else the upstream's rule (see DeviceIdentity).</summary>
    public string DeviceId { get; set; } = "";
    /// <summary>One attempt of one request (RUNNER_SERVER_TIMEOUT).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>How often each runner asks the server for available tasks (RUNNER_SERVER_POLL_INTERVAL).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Retries of one request on a connection failure, a timeout or a 5xx answer, with exponential backoff.</summary>
    public int MaxRetries { get; set; } = 3;
    /// <summary>First retry delay; doubled each retry (with jitter).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public bool Enabled => ServerUrl is not null;
}
