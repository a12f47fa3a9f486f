using Microsoft.Extensions.DependencyInjection;
using Orleans.Connections.Security;
using Parity.Configuration;

namespace Parity.Hosting;

/// <summary>
/// How the Orleans ports (silo to silo, client to silo) are secured, the same on both sides: mutual TLS in which each
/// end shows a certificate of the cluster CA and accepts only one that chains to it. Without TLS configured, a
/// multi-machine cluster starts only with CLUSTER_ALLOW_INSECURE=true, and then warns at every start.
/// </summary>
public static class ClusterTransport
{
    /// <summary>
    /// The TLS options for either side: each end shows its certificate and requires the other's. Orleans documents
    /// <see cref="TlsOptions.ClientCertificateMode"/> as the rule for clients connecting to a silo, defaulting to merely
    /// allowing a certificate; it is set to require one as well, so no client gets in without a certificate whichever of
    /// the two settings a version of Orleans reads (the tests refuse a client that shows none).
    /// </summary>
    public static void Configure(TlsOptions tls, ClusterCredentials credentials)
    {
        tls.LocalCertificate = credentials.Certificate;
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Orleans hands the platform's verdict (built against the machine's roots) to this callback and takes its
        // answer instead; the cluster CA is the only root that counts.
        tls.RemoteCertificateValidation = (certificate, _, _) => credentials.Trusts(certificate);
    }

    /// <summary>
    /// The credentials this process's Orleans side runs with, or null where the transport runs in the clear (the loopback
    /// cluster, or CLUSTER_ALLOW_INSECURE=true, which registers the start-up warning here).
    /// </summary>
    public static ClusterCredentials? Credentials(ClusteringOptions cluster, IServiceCollection services)
    {
        if (cluster.UsesTls)
        {
            var credentials = ClusterCredentials.Load(cluster);
            services.AddSingleton(credentials);
            return credentials;
        }
        if (cluster.Clustering != ClusteringMode.Localhost)
            services.AddHostedService(sp => ActivatorUtilities.CreateInstance<InsecureTransportWarning>(sp, cluster));
        return null;
    }
}
