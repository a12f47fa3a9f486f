using System.Net;
using System.Net.Sockets;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Tests.Support;

namespace Parity.Tests.Configuration;

/// <summary>
/// A second silo on one machine with the first one's ports used to start, say it was up, and get the first declared
/// dead. A silo whose port is taken now refuses to start, naming the port and the key that sets it.
/// </summary>
public sealed class SiloPortTests
{
    [Theory]
    [InlineData("SILO_PORT", false)]
    [InlineData("SILO_GATEWAY_PORT", false)]
    [InlineData("GATEWAY_URLS", false)]
    [InlineData("SILO_PORT", true)]
    [InlineData("SILO_GATEWAY_PORT", true)]
    [InlineData("GATEWAY_URLS", true)]
    public void A_taken_port_is_refused_naming_its_key(string key, bool heldOnAnyAddress)
    {
        using var holder = new TcpListener(heldOnAnyAddress ? IPAddress.Any : IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var (cluster, gateway) = FreePorts();
        switch (key)
        {
            case "SILO_PORT": cluster.SiloPort = taken; break;
            case "SILO_GATEWAY_PORT": cluster.SiloGatewayPort = taken; break;
            default: gateway.Urls = [$"http://127.0.0.1:{taken}"]; break;
        }
        var error = Assert.Throws<ConfigurationException>(() => SiloPorts.EnsureFree(cluster, gateway));
        Assert.StartsWith($"{key} {taken} is already in use on this machine", error.Message);
    }

    [Fact]
    public void Free_ports_pass_and_a_gateway_port_is_not_checked_when_the_silo_hosts_no_gateway()
    {
        var (cluster, gateway) = FreePorts();
        SiloPorts.EnsureFree(cluster, gateway);
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        gateway.Urls = [$"http://127.0.0.1:{((IPEndPoint)holder.LocalEndpoint).Port}"];
        SiloPorts.EnsureFree(cluster, gateway: null);
    }

    [Fact]
    public void Two_keys_with_one_port_are_refused()
    {
        var (cluster, gateway) = FreePorts();
        cluster.SiloGatewayPort = cluster.SiloPort;
        var error = Assert.Throws<ConfigurationException>(() => SiloPorts.EnsureFree(cluster, gateway));
        Assert.Equal($"SILO_PORT and SILO_GATEWAY_PORT are both {cluster.SiloPort}: each port of a silo must differ", error.Message);
    }

    /// <summary>The real parity-runner, started beside a listener on one of its ports: exit 2 and one line naming it.</summary>
    [Theory]
    [InlineData("SILO_PORT")]
    [InlineData("SILO_GATEWAY_PORT")]
    [InlineData("GATEWAY_URLS")]
    public async Task The_runner_refuses_to_start_on_a_taken_port(string key)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var taken = ((IPEndPoint)holder.LocalEndpoint).Port;
        var environment = new Dictionary<string, string>
        {
            ["SILO_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["SILO_GATEWAY_PORT"] = TestEngines.FreeTcpPort().ToString(),
            ["GATEWAY_URLS"] = $"http://127.0.0.1:{TestEngines.FreeTcpPort()}",
        };
        environment[key] = key == "GATEWAY_URLS" ? $"http://127.0.0.1:{taken}" : taken.ToString();

        var (stdout, stderr) = await StartUpErrorTests.StartUpOutput("Parity.Silo", "parity-runner", environment);
        var line = Assert.Single(stderr.Split('\n'));
        Assert.StartsWith($"configuration error: {key} {taken} is already in use on this machine (", line);
        Assert.DoesNotContain("is up", stdout);
    }

    private static (ClusteringOptions, GatewayOptions) FreePorts() => (
        new ClusteringOptions { SiloPort = TestEngines.FreeTcpPort(), SiloGatewayPort = TestEngines.FreeTcpPort() },
        new GatewayOptions { Urls = [$"http://127.0.0.1:{TestEngines.FreeTcpPort()}"] });
}
