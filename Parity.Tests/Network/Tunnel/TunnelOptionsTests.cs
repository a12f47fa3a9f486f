using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Network;
using Parity.Network.Tunnel;

namespace Parity.Tests.Network.Tunnel;

/// <summary>The tunnel keys: read, checked against each other, and every bad value refused naming its key.</summary>
public sealed class TunnelOptionsTests : IDisposable
{
    private readonly string _key = Path.GetTempFileName();
    private readonly string _knownHosts = Path.GetTempFileName();

    public void Dispose()
    {
        File.Delete(_key);
        File.Delete(_knownHosts);
    }

    private static TunnelOptions Load(params (string Key, string? Value)[] values)
    {
        var all = new Dictionary<string, string?>
        {
            ["RUNNER_SERVER_URL"] = "http://server.example:8080",
            ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
            ["RUNNER_WEBHOOK_URL"] = "http://127.0.0.1:5080/webhook",
        };
        foreach (var (key, value) in values) all[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(all).Build();
        var services = new ServiceCollection().AddParityRunnerOptions(configuration);
        services.Configure<UpstreamOptions>(o => o.DeviceId = "device-under-test");
        using var provider = services.BuildServiceProvider();
        return provider.GetParityOptions<TunnelOptions>();
    }

    [Fact]
    public void Off_by_default()
    {
        var options = Load();
        Assert.False(options.Enabled);
        Assert.False(options.Opens);
    }

    [Fact]
    public void Bore_reads_a_bare_host_as_the_upstream_did_and_a_port_and_secret()
    {
        var options = Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "bore"),
            ("RUNNER_TUNNEL_SERVER_URL", "bore.example.com"), ("RUNNER_TUNNEL_PORT", "40000"), ("RUNNER_TUNNEL_SECRET", "s3cret"));
        Assert.True(options.Opens);
        Assert.Equal(TunnelType.Bore, options.Type);
        Assert.Equal("bore.example.com", options.ServerHost);
        Assert.Equal(0, options.ServerPort);
        Assert.Equal(40000, options.RemotePort);
        Assert.Equal("s3cret", options.Secret);

        Assert.Equal(7000, Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_SERVER_URL", "bore.example.com:7000")).ServerPort);
    }

    [Fact]
    public void Ssh_reads_the_user_host_port_key_and_known_hosts()
    {
        var options = Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "ssh"),
            ("RUNNER_TUNNEL_SERVER_URL", "ssh://tunnel@gate.example.com:2222"),
            ("RUNNER_TUNNEL_SSH_KEY", _key), ("RUNNER_TUNNEL_SSH_KNOWN_HOSTS", _knownHosts));
        Assert.Equal(TunnelType.Ssh, options.Type);
        Assert.Equal("gate.example.com", options.ServerHost);
        Assert.Equal(2222, options.ServerPort);
        Assert.Equal("tunnel", options.SshUser);
        Assert.Equal(_key, options.SshKeyFile);
        Assert.Equal(_knownHosts, options.SshKnownHostsFile);
    }

    [Fact]
    public void Local_needs_nothing_else_and_opens_nothing()
    {
        var options = Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "local"));
        Assert.True(options.Enabled);
        Assert.False(options.Opens);
    }

    [Theory]
    [InlineData("RUNNER_TUNNEL_ENABLED", "maybe", "RUNNER_TUNNEL_ENABLED must be true or false")]
    [InlineData("RUNNER_TUNNEL_TYPE", "ngrok", "RUNNER_TUNNEL_TYPE must be ssh, bore or local, got 'ngrok'")]
    [InlineData("RUNNER_TUNNEL_SERVER_URL", "http://bore.example.com/path", "RUNNER_TUNNEL_SERVER_URL must be a host")]
    [InlineData("RUNNER_TUNNEL_SERVER_URL", "bore.example.com:99999", "RUNNER_TUNNEL_SERVER_URL must be a host")]
    [InlineData("RUNNER_TUNNEL_SERVER_URL", "-oProxyCommand=evil", "RUNNER_TUNNEL_SERVER_URL must be a host")]
    [InlineData("RUNNER_TUNNEL_SERVER_URL", "user:password@host", "RUNNER_TUNNEL_SERVER_URL must be a host")]
    [InlineData("RUNNER_TUNNEL_PORT", "70000", "RUNNER_TUNNEL_PORT must be an integer from 0 to 65535")]
    [InlineData("RUNNER_TUNNEL_PORT", "-1", "RUNNER_TUNNEL_PORT must be an integer from 0 to 65535")]
    [InlineData("RUNNER_TUNNEL_SSH_KEY", "/nonexistent/key", "RUNNER_TUNNEL_SSH_KEY must name an existing file")]
    [InlineData("RUNNER_TUNNEL_SSH_KNOWN_HOSTS", "/nonexistent/known_hosts", "RUNNER_TUNNEL_SSH_KNOWN_HOSTS must name an existing file")]
    public void Invalid_values_fail_naming_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("RUNNER_TUNNEL_ENABLED", "true"),
            ("RUNNER_TUNNEL_SERVER_URL", "bore.example.com"), (key, value)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_tunnel_without_network_mode_is_refused_naming_both_keys()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("RUNNER_SERVER_URL", null), ("RUNNER_TUNNEL_ENABLED", "true")));
        Assert.Contains("RUNNER_TUNNEL_ENABLED=true needs network mode: set RUNNER_SERVER_URL", error.Message);
    }

    [Theory]
    [InlineData("bore")]
    [InlineData("ssh")]
    public void Unsigned_webhooks_are_refused_with_a_tunnel_that_makes_them_public(string type)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", type),
            ("RUNNER_TUNNEL_SERVER_URL", "gate.example.com"), ("RUNNER_WEBHOOK_ALLOW_UNSIGNED", "true")));
        Assert.StartsWith("RUNNER_WEBHOOK_ALLOW_UNSIGNED=true cannot be used with a tunnel", error.Message);
        // Without a tunnel (local) the operator's choice stands, as before.
        Assert.False(Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "local"), ("RUNNER_WEBHOOK_ALLOW_UNSIGNED", "true")).Opens);
    }

    [Theory]
    [InlineData("bore", "RUNNER_TUNNEL_SERVER_URL is required with RUNNER_TUNNEL_TYPE=bore")]
    [InlineData("ssh", "RUNNER_TUNNEL_SERVER_URL is required with RUNNER_TUNNEL_TYPE=ssh")]
    public void A_tunnel_server_is_required_where_one_is_opened(string type, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", type)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Ssh_needs_a_key_and_a_known_hosts_file_and_takes_no_bore_secret()
    {
        (string, string?)[] ssh = [("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "ssh"), ("RUNNER_TUNNEL_SERVER_URL", "gate.example.com")];
        Assert.Contains("RUNNER_TUNNEL_SSH_KEY is required with RUNNER_TUNNEL_TYPE=ssh",
            Assert.Throws<ConfigurationException>(() => Load(ssh)).Message);
        Assert.Contains("RUNNER_TUNNEL_SSH_KNOWN_HOSTS is required with RUNNER_TUNNEL_TYPE=ssh (a known_hosts file",
            Assert.Throws<ConfigurationException>(() => Load([.. ssh, ("RUNNER_TUNNEL_SSH_KEY", _key)])).Message);
        Assert.Contains("RUNNER_TUNNEL_SECRET is bore's",
            Assert.Throws<ConfigurationException>(() => Load([.. ssh, ("RUNNER_TUNNEL_SSH_KEY", _key),
                ("RUNNER_TUNNEL_SSH_KNOWN_HOSTS", _knownHosts), ("RUNNER_TUNNEL_SECRET", "x")])).Message);
    }

    [Fact]
    public void Bore_takes_no_ssh_settings()
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(("RUNNER_TUNNEL_ENABLED", "true"), ("RUNNER_TUNNEL_TYPE", "bore"),
            ("RUNNER_TUNNEL_SERVER_URL", "bore.example.com"), ("RUNNER_TUNNEL_SSH_KEY", _key)));
        Assert.Contains("RUNNER_TUNNEL_SSH_KEY, RUNNER_TUNNEL_SSH_KNOWN_HOSTS and a user in RUNNER_TUNNEL_SERVER_URL are for RUNNER_TUNNEL_TYPE=ssh only", error.Message);
    }
}
