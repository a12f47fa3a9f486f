using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Parity.Chain;
using Parity.Configuration;

namespace Parity.Network;

/// <summary>Reads the network keys into <see cref="UpstreamOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed partial class UpstreamOptionsReader(ConfigurationReader read, GatewayOptions gateway) : IConfigureOptions<UpstreamOptions>
{
    public void Configure(UpstreamOptions options)
    {
        if (read.Raw("RUNNER_SERVER_URL") is { } server)
        {
            // The upstream runner appends /api/v1/... to a bare base URL; a path here would be silently doubled or lost.
            options.ServerUrl = GatewayOptions.ParseUrl(server) is { AbsolutePath: "/", Query: "", Fragment: "" } url ? url
                : throw new ConfigurationException($"RUNNER_SERVER_URL must be an http(s) base URL with no path, like http://server:8080, got '{server}'");
        }
        // Every key is read (and checked) whether or not network mode is on, so a typo shows before it is turned on.
        if (read.Raw("RUNNER_WALLET_ADDRESS") is { } wallet)
            options.WalletAddress = AddressPattern().IsMatch(wallet) ? wallet
                : throw new ConfigurationException($"RUNNER_WALLET_ADDRESS must be 0x followed by 40 hex digits, got '{wallet}'");
        else if (options.Enabled && new RunnerKeystore(RunnerKeystore.DefaultPath(Home)).StoredAddress() is { } stored)
            options.WalletAddress = stored.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? stored : "0x" + stored;

        if (read.Raw("RUNNER_WEBHOOK_URL") is { } webhook)
            options.WebhookUrl = GatewayOptions.ParseUrl(webhook)
                ?? throw new ConfigurationException($"RUNNER_WEBHOOK_URL must be an http(s) URL, like https://runner.example:5080/webhook, got '{webhook}'");
        else if (gateway.Urls.Count > 0 && GatewayOptions.LocalUrl(gateway.Urls[0]) is { } local)
            options.WebhookUrl = new Uri(local, "webhook");

        options.RequestTimeout = read.Duration("RUNNER_SERVER_TIMEOUT", options.RequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10));
        options.PollInterval = read.Duration("RUNNER_SERVER_POLL_INTERVAL", options.PollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
    }

    /// <summary>
    /// The device id, after every configuration step (so a host that sets one, as the tests do, never touches
    /// ~/.parity): RUNNER_DEVICE_ID from the environment only, as every command reads it (see .env.sample), since the
    /// device id is the staking key; else the upstream's rule.
    /// </summary>
    public static void ResolveDeviceId(UpstreamOptions options)
    {
        if (options.Enabled && string.IsNullOrEmpty(options.DeviceId))
            options.DeviceId = DeviceIdentity.Resolve(Environment.GetEnvironmentVariable(DeviceIdentity.EnvironmentKey), Home);
    }

    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex AddressPattern();
}
