using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads ORLEANS_* and SILO_* into <see cref="ClusteringOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed partial class ClusteringOptionsReader(ConfigurationReader read) : IConfigureOptions<ClusteringOptions>
{
    private const string Name = "1-64 letters, digits, '.', '_' or '-'";

    public void Configure(ClusteringOptions options)
    {
        options.Clustering = read.Raw("ORLEANS_CLUSTERING")?.ToLowerInvariant() switch
        {
            null => options.Clustering,
            "localhost" => ClusteringMode.Localhost,
            "redis" => ClusteringMode.Redis,
            var other => throw new ConfigurationException($"ORLEANS_CLUSTERING must be 'localhost' or 'redis', got '{other}'"),
        };
        options.RedisConnectionString = read.Raw("ORLEANS_REDIS") ?? options.RedisConnectionString;
        options.SiloName = read.String("SILO_NAME", options.SiloName, NamePattern(), Name);
        options.ClusterId = read.String("ORLEANS_CLUSTER_ID", options.ClusterId, NamePattern(), Name);
        options.AdvertisedIp = read.IpAddress("SILO_ADVERTISED_IP", options.AdvertisedIp);
        options.SiloPort = read.Int("SILO_PORT", options.SiloPort, 1, 65535);
        options.SiloGatewayPort = read.Int("SILO_GATEWAY_PORT", options.SiloGatewayPort, 1, 65535);
        // Standalone, the one process is the whole cluster; with redis the silos are several and the gateway is its
        // own process in front of them.
        options.HostsGateway = read.Bool("SILO_HOSTS_GATEWAY", options.Clustering == ClusteringMode.Localhost);
        // Paths only: the files are read and checked against each other by the validator, where all three are known.
        options.TlsCaPath = read.Raw("CLUSTER_TLS_CA") ?? options.TlsCaPath;
        options.TlsCertificatePath = read.Raw("CLUSTER_TLS_CERT") ?? options.TlsCertificatePath;
        options.TlsKeyPath = read.Raw("CLUSTER_TLS_KEY") ?? options.TlsKeyPath;
        options.AllowInsecure = read.Bool("CLUSTER_ALLOW_INSECURE", options.AllowInsecure);
        options.ShutdownTimeout = read.Duration("SILO_SHUTDOWN_TIMEOUT", options.ShutdownTimeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex NamePattern();
}
