using Microsoft.Extensions.Options;
using Parity.Hosting;

namespace Parity.Configuration;

/// <summary>The rules between clustering keys, checked at start-up once every key is read.</summary>
public sealed class ClusteringOptionsValidator : IValidateOptions<ClusteringOptions>
{
    /// <summary>How to set up the transport's TLS, for every message that asks for it.</summary>
    public const string TlsSetup =
        "create the cluster CA once with 'parity-runner cluster init-ca --out DIR', give each silo and gateway a certificate " +
        "with 'parity-runner cluster issue NAME --ca DIR --out DIR', and set CLUSTER_TLS_CA=DIR/ca.crt, " +
        "CLUSTER_TLS_CERT=DIR/NAME.crt and CLUSTER_TLS_KEY=DIR/NAME.key on each machine";

    public ValidateOptionsResult Validate(string? name, ClusteringOptions options)
    {
        if (options.Clustering == ClusteringMode.Redis && options.RedisConnectionString is null)
            return ValidateOptionsResult.Fail("ORLEANS_REDIS is required when ORLEANS_CLUSTERING=redis (e.g. 127.0.0.1:6379)");
        if (options.SiloPort == options.SiloGatewayPort)
            return ValidateOptionsResult.Fail($"SILO_PORT and SILO_GATEWAY_PORT must differ, both are {options.SiloPort}");

        var tlsKeys = new (string Key, string? Value)[]
        {
            ("CLUSTER_TLS_CA", options.TlsCaPath), ("CLUSTER_TLS_CERT", options.TlsCertificatePath), ("CLUSTER_TLS_KEY", options.TlsKeyPath),
        };
        if (tlsKeys.Any(k => k.Value is not null) && tlsKeys.FirstOrDefault(k => k.Value is null) is { Key: { } missing })
            return ValidateOptionsResult.Fail(
                $"CLUSTER_TLS_CA, CLUSTER_TLS_CERT and CLUSTER_TLS_KEY go together, but {missing} is not set");
        if (options.UsesTls)
        {
            try
            {
                ClusterCredentials.Load(options).Dispose();
            }
            catch (ConfigurationException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
        // The embedded cluster listens on loopback only; any other clustering has silos and clients on other machines,
        // and without TLS whoever reaches the Orleans ports joins the cluster or drives it as a client.
        else if (options.Clustering != ClusteringMode.Localhost && !options.AllowInsecure)
            return ValidateOptionsResult.Fail(
                $"ORLEANS_CLUSTERING={options.Clustering.ToString().ToLowerInvariant()} needs TLS on the cluster transport " +
                $"(CLUSTER_TLS_CA, CLUSTER_TLS_CERT, CLUSTER_TLS_KEY are not set): {TlsSetup}. " +
                "Only on a network where every machine that can reach the silo ports is trusted, CLUSTER_ALLOW_INSECURE=true runs without it");
        return ValidateOptionsResult.Success;
    }
}
