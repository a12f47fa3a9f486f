using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads STORAGE_*, IPFS_* and RUNNER_CACHE_* into <see cref="StorageOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class StorageOptionsReader(ConfigurationReader read) : IConfigureOptions<StorageOptions>
{
    public void Configure(StorageOptions options)
    {
        options.Directory = read.String("STORAGE_DIR", options.Directory);
        options.MaxFileBytes = read.Size("STORAGE_MAX_FILE_SIZE", options.MaxFileBytes, 1, 1L << 50);
        options.Gateways = read.Raw("IPFS_GATEWAYS") is { } list ? ParseGateways(list)
            : OwnGateway() is { } own ? [own] : options.Gateways;
        if (read.Raw("IPFS_API_URL") is { } api)
            options.IpfsApiUrl = HttpUrl(api) ?? throw new ConfigurationException(
                $"IPFS_API_URL must be an http(s) URL of a Kubo RPC API like http://127.0.0.1:5001, got '{api}'");
        options.RequestTimeout = read.Duration("IPFS_TIMEOUT", options.RequestTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        options.StallTimeout = read.Duration("IPFS_STALL_TIMEOUT", options.StallTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        options.CacheDirectory = read.String("RUNNER_CACHE_DIR", options.CacheDirectory);
        options.CacheMaxBytes = read.Size("RUNNER_CACHE_SIZE", options.CacheMaxBytes, 1L << 20, 1L << 50);
    }

    private static IReadOnlyList<Uri> ParseGateways(string list)
    {
        var entries = list.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var gateways = new List<Uri>();
        for (var i = 0; i < entries.Length; i++)
            gateways.Add(HttpUrl(entries[i]) ?? throw new ConfigurationException(
                $"IPFS_GATEWAYS[{i}] must be an http(s) URL with no user, query or fragment, like http://127.0.0.1:8080, got '{entries[i]}'"));
        return gateways;
    }

    /// <summary>The cluster's own gateway from GATEWAY_URLS: the blocks uploads put there are what runners fetch by default.</summary>
    private Uri? OwnGateway() =>
        read.Raw("GATEWAY_URLS")?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..]
            ? GatewayOptions.LocalUrl(first)
            : null;

    private static Uri? HttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
        && uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? uri
            : null;
}
