using System.Net;

namespace Parity.Configuration;

/// <summary>
/// How the silos find each other and where grain state lives (ORLEANS_*, SILO_*). Named apart from Orleans'
/// <c>ClusterOptions</c>, which the silo and client builders configure from this.
/// </summary>
public sealed record ClusteringOptions
{
    /// <summary>ORLEANS_CLUSTERING.</summary>
    public ClusteringMode Clustering { get; set; } = ClusteringMode.Localhost;
    /// <summary>ORLEANS_REDIS; required with redis clustering.</summary>
    public string? RedisConnectionString { get; set; }
    /// <summary>Cluster and service id (ORLEANS_CLUSTER_ID). In a silo, the one Orleans runs with.</summary>
    public string ClusterId { get; set; } = "parity";
    /// <summary>This silo's name (SILO_NAME); its runner is known by it. In a silo, the name Orleans runs it under.</summary>
    public string SiloName { get; set; } = DefaultSiloName();
    /// <summary>SILO_PORT.</summary>
    public int SiloPort { get; set; } = 11111;
    /// <summary>The port Orleans clients connect to (SILO_GATEWAY_PORT).</summary>
    public int SiloGatewayPort { get; set; } = 30000;
    /// <summary>SILO_ADVERTISED_IP.</summary>
    public IPAddress AdvertisedIp { get; set; } = IPAddress.Loopback;
    /// <summary>Whether a silo process also serves the gateway (SILO_HOSTS_GATEWAY); unset, the reader follows the clustering.</summary>
    public bool HostsGateway { get; set; }
    /// <summary>The cluster CA's certificate, PEM (CLUSTER_TLS_CA): the only root a peer's certificate may chain to.</summary>
    public string? TlsCaPath { get; set; }
    /// <summary>This process's leaf certificate, PEM (CLUSTER_TLS_CERT), issued by the cluster CA.</summary>
    public string? TlsCertificatePath { get; set; }
    /// <summary>The private key of <see cref="TlsCertificatePath"/>, PEM (CLUSTER_TLS_KEY).</summary>
    public string? TlsKeyPath { get; set; }
    /// <summary>
    /// CLUSTER_ALLOW_INSECURE: lets a multi-machine (redis) cluster run its Orleans ports without TLS. Anyone who can
    /// reach those ports is then a member or a client of the cluster, so this is logged as a warning at every start.
    /// </summary>
    public bool AllowInsecure { get; set; }
    /// <summary>
    /// SILO_SHUTDOWN_TIMEOUT: from SIGTERM to exit, at most. The runner hands its tasks back within part of it; whatever
    /// is still unfinished when it runs out (an unreachable Redis holds Orleans' own stop) is named in one line and the
    /// process exits.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether the three CLUSTER_TLS_* keys are set (the validator refuses some without the others).</summary>
    public bool UsesTls => TlsCaPath is not null && TlsCertificatePath is not null && TlsKeyPath is not null;

    /// <summary>The host name, cut to what SILO_NAME allows.</summary>
    private static string DefaultSiloName()
    {
        var host = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').ToArray());
        return string.IsNullOrEmpty(host) ? "silo" : host[..Math.Min(host.Length, 64)];
    }
}
