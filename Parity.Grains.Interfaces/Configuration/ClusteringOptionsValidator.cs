using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>The rules between clustering keys, checked at start-up once every key is read.</summary>
public sealed class ClusteringOptionsValidator : IValidateOptions<ClusteringOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusteringOptions options)
    {
        if (options.Clustering == ClusteringMode.Redis && options.RedisConnectionString is null)
            return ValidateOptionsResult.Fail("ORLEANS_REDIS is required when ORLEANS_CLUSTERING=redis (e.g. 127.0.0.1:6379)");
        if (options.SiloPort == options.SiloGatewayPort)
            return ValidateOptionsResult.Fail($"SILO_PORT and SILO_GATEWAY_PORT must differ, both are {options.SiloPort}");
        return ValidateOptionsResult.Success;
    }
}
