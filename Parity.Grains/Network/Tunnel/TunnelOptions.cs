namespace Parity.Network.Tunnel;

/// <summary>
/// The tunnel that makes a runner behind NAT reachable by the upstream server's webhook pushes (UPSTREAM.md §12, with
/// its holes fixed: no binary installed at run time, reconnection with backoff, the new URL re-registered, the outage
/// in health and logs). The keys are the upstream's (RUNNER_TUNNEL_*), plus the two an SSH tunnel needs.
/// </summary>
public sealed record TunnelOptions
{
    /// <summary>RUNNER_TUNNEL_ENABLED; needs network mode (RUNNER_SERVER_URL).</summary>
    public bool Enabled { get; set; }
    /// <summary>RUNNER_TUNNEL_TYPE: bore (the upstream's default), ssh or local.</summary>
    public TunnelType Type { get; set; } = TunnelType.Bore;
    /// <summary>The tunnel server's host (from RUNNER_TUNNEL_SERVER_URL); also the host of the public URL.</summary>
    public string? ServerHost { get; set; }
    /// <summary>The tunnel server's port: bore's control port (7835 by default) or sshd's (22 by default).</summary>
    public int ServerPort { get; set; }
    /// <summary>The SSH login (the user part of RUNNER_TUNNEL_SERVER_URL); null: ssh's own default.</summary>
    public string? SshUser { get; set; }
    /// <summary>The public port asked for (RUNNER_TUNNEL_PORT); 0: the server picks one.</summary>
    public int RemotePort { get; set; }
    /// <summary>bore's shared secret (RUNNER_TUNNEL_SECRET), answered by HMAC to the server's challenge; never sent.</summary>
    public string? Secret { get; set; }
    /// <summary>The private key ssh logs in with (RUNNER_TUNNEL_SSH_KEY).</summary>
    public string? SshKeyFile { get; set; }
    /// <summary>The known_hosts file that must hold the server's host key (RUNNER_TUNNEL_SSH_KNOWN_HOSTS): never trust on first use.</summary>
    public string? SshKnownHostsFile { get; set; }
    /// <summary>The ssh client to run.</summary>
    public string SshCommand { get; set; } = "ssh";
    /// <summary>How long one attempt to open the tunnel may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>First delay before reconnecting after a drop; doubled on each failed attempt, at most <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether a tunnel process or connection runs at all (local needs none).</summary>
    public bool Opens => Enabled && Type != TunnelType.Local;

    public const int BoreControlPort = 7835;
    public const int SshPort = 22;
}
