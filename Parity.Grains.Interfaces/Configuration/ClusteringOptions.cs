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

    /// <summary>The host name, cut to what SILO_NAME allows.</summary>
    private static string DefaultSiloName()
    {
        var host = new string(Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-').ToArray());
        return string.IsNullOrEmpty(host) ? "silo" : host[..Math.Min(host.Length, 64)];
    }
}
