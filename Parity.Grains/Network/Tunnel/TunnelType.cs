namespace Parity.Network.Tunnel;

/// <summary>How the webhook is reached from outside (RUNNER_TUNNEL_TYPE).</summary>
public enum TunnelType
{
    /// <summary>No tunnel: the webhook URL as configured.</summary>
    Local,
    /// <summary>A reverse port forward through OpenSSH (<c>ssh -N -R</c>), run as a supervised child process.</summary>
    Ssh,
    /// <summary>The bore protocol (github.com/ekzhang/bore), spoken by <see cref="BoreClient"/>.</summary>
    Bore,
}
