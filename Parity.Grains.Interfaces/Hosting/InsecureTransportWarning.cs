using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Hosting;

/// <summary>The loud start-up warning of a multi-machine cluster whose Orleans ports run without TLS (CLUSTER_ALLOW_INSECURE=true).</summary>
public sealed class InsecureTransportWarning(ClusteringOptions cluster, ILogger<InsecureTransportWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "CLUSTER_ALLOW_INSECURE=true: the cluster transport (silo port {SiloPort}, gateway port {GatewayPort}) is neither " +
            "encrypted nor authenticated. Anyone who can reach these ports can join the cluster or drive it as a client and run " +
            "tasks on every runner, bypassing the API key and the webhook signature. To secure it: {Setup}",
            cluster.SiloPort, cluster.SiloGatewayPort, ClusteringOptionsValidator.TlsSetup);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
