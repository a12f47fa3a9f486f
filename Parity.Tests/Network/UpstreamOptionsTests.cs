using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Network;

namespace Parity.Tests.Network;

/// <summary>The network keys: read, defaulted, and refused naming the key.</summary>
public sealed class UpstreamOptionsTests
{
    private static UpstreamOptions Load(params (string Key, string? Value)[] values)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
        var services = new ServiceCollection().AddParityRunnerOptions(configuration);
        // A device id of the test's own: the upstream rule would read (and write) ~/.parity.
        services.Configure<UpstreamOptions>(o => o.DeviceId = "device-under-test");
        using var provider = services.BuildServiceProvider();
        return provider.GetParityOptions<UpstreamOptions>();
    }

    [Fact]
    public void Without_a_server_url_the_cluster_is_standalone()
    {
        Assert.False(Load().Enabled);
    }

    [Fact]
    public void The_keys_are_read_and_the_webhook_defaults_to_the_gateways_own()
    {
        var options = Load(("RUNNER_SERVER_URL", "http://server.example:8080"), ("RUNNER_WALLET_ADDRESS", UpstreamTestClient.Wallet),
            ("GATEWAY_URLS", "http://0.0.0.0:5081"), ("GATEWAY_API_KEY", "0123456789abcdef0123"),
            ("RUNNER_SERVER_TIMEOUT", "3s"), ("RUNNER_SERVER_POLL_INTERVAL", "20s"));

        Assert.True(options.Enabled);
        Assert.Equal(new Uri("http://server.example:8080/"), options.ServerUrl);
        Assert.Equal(new Uri("http://127.0.0.1:5081/webhook"), options.WebhookUrl);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), options.PollInterval);
        Assert.Equal("device-under-test", options.DeviceId);
    }

    [Theory]
    [InlineData("RUNNER_SERVER_URL", "http://server:8080/api", "RUNNER_SERVER_URL must be an http(s) base URL with no path")]
    [InlineData("RUNNER_SERVER_URL", "ftp://server", "RUNNER_SERVER_URL must be an http(s) base URL")]
    [InlineData("RUNNER_WALLET_ADDRESS", "0x1234", "RUNNER_WALLET_ADDRESS must be 0x followed by 40 hex digits")]
    [InlineData("RUNNER_WEBHOOK_URL", "not a url", "RUNNER_WEBHOOK_URL must be an http(s) URL")]
    [InlineData("RUNNER_SERVER_TIMEOUT", "forever", "RUNNER_SERVER_TIMEOUT")]
    [InlineData("RUNNER_SERVER_POLL_INTERVAL", "0s", "RUNNER_SERVER_POLL_INTERVAL")]
    public void Invalid_values_fail_naming_the_key(string key, string value, string expected)
    {
        var values = new List<(string, string?)> { ("RUNNER_SERVER_URL", "http://server:8080"), ("RUNNER_WALLET_ADDRESS", UpstreamTestClient.Wallet) };
        values.RemoveAll(v => v.Item1 == key);
        values.Add((key, value));

        var error = Assert.Throws<ConfigurationException>(() => Load(values.ToArray()));
        Assert.Contains(expected, error.Message);
    }
}
