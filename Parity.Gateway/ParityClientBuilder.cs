using Orleans.Configuration;
using Parity.Configuration;
using Parity.Hosting;
using StackExchange.Redis;

namespace Parity.Gateway;

public static class ParityClientBuilder
{
    /// <summary>
    /// Points an Orleans client (the standalone gateway) at the cluster the silos form, over the transport's mutual TLS
    /// where CLUSTER_TLS_* is set (see <see cref="ClusterTransport"/>).
    /// </summary>
    public static IClientBuilder AddParityCluster(this IClientBuilder client, ClusteringOptions cluster)
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ClusterId;
        });
        // W3C trace context across grain calls: a span is made only while something listens (an OTLP exporter).
        client.AddActivityPropagation();
        switch (cluster.Clustering)
        {
            case ClusteringMode.Localhost:
                client.UseLocalhostClustering(cluster.SiloGatewayPort, cluster.ClusterId, cluster.ClusterId);
                break;
            case ClusteringMode.Redis:
                client.UseRedisClustering(o => o.ConfigurationOptions = ConfigurationOptions.Parse(cluster.RedisConnectionString!));
                break;
        }
        if (ClusterTransport.Credentials(cluster, client.Services) is { } credentials)
            client.UseTls(tls => ClusterTransport.Configure(tls, credentials));
        return client;
    }
}
