using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Storage;

/// <summary>One verified fetch from the configured gateways, with the timeouts of <see cref="StorageOptions"/>.</summary>
public static class RemoteBlocks
{
    public static GatewayBlockSource Create(HttpClient http, IReadOnlyList<Uri> gateways, StorageOptions options, ILoggerFactory? logs = null) =>
        new(http, new GatewayFetchOptions { Gateways = gateways, RequestTimeout = options.RequestTimeout, StallTimeout = options.StallTimeout },
            logs?.CreateLogger<GatewayBlockSource>());
}
