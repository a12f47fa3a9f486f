using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using Parity.Network;
using Parity.Network.Tunnel;
using Parity.Tests.Support;

namespace Parity.Tests.Network.Tunnel;

/// <summary>
/// A cluster in network mode behind a tunnel (the real gateway's /webhook on loopback, the test upstream server, a bore
/// or ssh server of the test's own): it registers the tunnel's public URL, a signed push through that URL runs and is
/// reported; the tunnel's server dies, health and one log line say so, and once it is back the tunnel reopens, the new
/// URL is registered, and pushes flow again.
/// </summary>
public sealed class TunnelClusterTests : IAsyncLifetime
{
    private const string Device = "tunnel-device";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly UpstreamTestServer _server = new();
    private readonly RecordingLoggerProvider _logs = new();
    private readonly int _gatewayPort = TestEngines.FreeTcpPort();

    public Task InitializeAsync() => _server.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<ParityTestCluster> StartCluster(Dictionary<string, string?> tunnel) => ParityTestCluster.StartAsync(1,
        _ => new Dictionary<string, string?>(tunnel)
        {
            ["RUNNER_SERVER_URL"] = _server.Url.ToString(),
            ["RUNNER_WALLET_ADDRESS"] = UpstreamTestClient.Wallet,
            // Where the tunnel forwards to: the gateway's webhook on this machine.
            ["RUNNER_WEBHOOK_URL"] = $"http://127.0.0.1:{_gatewayPort}/webhook",
            ["RUNNER_SERVER_POLL_INTERVAL"] = "200ms",
            ["RUNNER_SERVER_TIMEOUT"] = "1s",
            ["RUNNER_TUNNEL_ENABLED"] = "true",
        },
        silo =>
        {
            NetworkTestSilo.Configure(silo, Device);
            silo.Services.Configure<TunnelOptions>(o =>
            {
                o.ReconnectDelay = TimeSpan.FromMilliseconds(100);
                o.MaxReconnectDelay = TimeSpan.FromSeconds(1);
            });
            silo.Services.AddLogging(logging => logging.AddProvider(_logs));
        });

    private static IServiceProvider Silo(ParityTestCluster cluster) => ((InProcessSiloHandle)cluster.Cluster.Silos[0]).SiloHost.Services;

    private static async Task<HealthReportEntry> TunnelHealth(ParityTestCluster cluster) =>
        (await Silo(cluster).GetRequiredService<HealthCheckService>().CheckHealthAsync()).Entries["tunnel"];

    private string? RegisteredWebhook => _server.Runner(Device)?["webhook"]?.GetValue<string>();

    /// <summary>A signed task push sent to the public URL the server holds, as the server would send it; its result must come back.</summary>
    private async Task PushThrough(string webhook, string id)
    {
        _server.AddTask(id, "command", new JsonObject { ["command"] = $"echo {id}" }, runnerId: Device);
        var push = GatewayHost.SignedWebhook(GatewayHost.Push(GatewayHost.CommandTask(id, $"echo {id}")));
        push.RequestUri = new Uri(webhook);
        push.Headers.Add(UpstreamClient.DeviceHeader, Device);
        using var http = new HttpClient();
        var answer = await http.SendAsync(push);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        await Eventually.True(() => _server.StoredResult(id) is not null, Patience, $"the result of {id}, pushed through the tunnel");
        Assert.Equal($"{id}\n", _server.StoredResult(id)!["output"]!.GetValue<string>());
    }

    private int Registrations => _server.Requests.Count(r => r == "POST /api/v1/runners");

    private List<string> TunnelWarnings => _logs.Entries
        .Where(e => e.Category == typeof(TunnelService).FullName && e.Level == LogLevel.Warning).Select(e => e.Message).ToList();

    [Fact]
    public async Task Bore_the_tunnel_url_is_registered_and_after_the_server_dies_and_returns_the_new_url_is_registered_and_pushes_flow_again()
    {
        await using var bore = new BoreTestServer(secret: "tunnel-secret");
        await bore.StartAsync();
        await using var cluster = await StartCluster(new()
        {
            ["RUNNER_TUNNEL_TYPE"] = "bore",
            ["RUNNER_TUNNEL_SERVER_URL"] = $"127.0.0.1:{bore.ControlPort}",
            ["RUNNER_TUNNEL_SECRET"] = "tunnel-secret",
        });
        // As when the gateway is co-hosted with the silo: its /health sees the silo's checks.
        await using var gateway = await GatewayHost.StartAsync(cluster.Client, port: _gatewayPort,
            services: s => s.AddSingleton(Silo(cluster).GetRequiredService<HealthCheckService>()));

        var first = await Eventually.Get(() => Task.FromResult(RegisteredWebhook), Patience, "a registered webhook");
        var url = new Uri(first);
        Assert.Equal("127.0.0.1", url.Host);
        Assert.NotEqual(_gatewayPort, url.Port);
        Assert.Equal("/webhook", url.AbsolutePath);
        Assert.Equal(HealthStatus.Healthy, (await TunnelHealth(cluster)).Status);
        await PushThrough(first, "tunnel-before");

        await bore.StopAsync();
        await Eventually.True(async () => (await TunnelHealth(cluster)).Status == HealthStatus.Unhealthy, Patience, "the outage in health");
        Assert.Contains("tunnel down since", (await TunnelHealth(cluster)).Description);
        var degraded = await gateway.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        var report = JsonNode.Parse(await degraded.Content.ReadAsStringAsync())!;
        Assert.Equal("degraded", report["status"]!.GetValue<string>());
        Assert.StartsWith("tunnel: tunnel down since", report["error"]!.GetValue<string>());
        var registrations = Registrations;

        await bore.StartAsync();
        var second = await Eventually.Get(() => Task.FromResult(RegisteredWebhook is { } now && now != first ? now : null),
            Patience, "the new tunnel URL registered");
        Assert.True(Registrations > registrations);
        await PushThrough(second, "tunnel-after");
        Assert.Equal(HealthStatus.Healthy, (await TunnelHealth(cluster)).Status);
        Assert.Equal("healthy", JsonNode.Parse(await gateway.Http.GetStringAsync("/health"))!["status"]!.GetValue<string>());
        // The heartbeats carry the new URL too (the upstream server takes public_ip as the webhook).
        await Eventually.True(() => _server.Heartbeats[^1]["public_ip"]!.GetValue<string>() == second, Patience, "a heartbeat with the new URL");
        // One warning for the one outage, however many attempts it took to reopen.
        Assert.Single(TunnelWarnings, w => w.Contains("dropped", StringComparison.Ordinal));
        Assert.True(bore.Hellos >= 2);
    }

    [Fact]
    public async Task Nothing_is_registered_until_the_tunnel_is_up_and_then_its_url_is()
    {
        await using var bore = new BoreTestServer(controlPort: TestEngines.FreeTcpPort());
        // The tunnel server is not there when the cluster starts.
        await using var cluster = await StartCluster(new()
        {
            ["RUNNER_TUNNEL_TYPE"] = "bore",
            ["RUNNER_TUNNEL_SERVER_URL"] = $"127.0.0.1:{bore.ControlPort}",
        });
        await Eventually.True(() => TunnelWarnings.Count > 0, Patience, "the outage logged");
        Assert.StartsWith($"Tunnel (bore via 127.0.0.1:{bore.ControlPort}) is down: cannot reach the bore server", TunnelWarnings[0]);
        Assert.Equal(HealthStatus.Unhealthy, (await TunnelHealth(cluster)).Status);
        // The reference registered localhost when its tunnel failed; here the runner waits for an address the server can reach.
        Assert.Null(_server.Runner(Device));
        Assert.DoesNotContain("POST /api/v1/runners", _server.Requests);

        await bore.StartAsync();

        var webhook = await Eventually.Get(() => Task.FromResult(RegisteredWebhook), Patience, "the tunnel URL registered");
        Assert.Equal(Silo(cluster).GetRequiredService<WebhookAddress>().Current!.ToString(), webhook);
        Assert.NotEqual(_gatewayPort, new Uri(webhook).Port);
        Assert.Equal(HealthStatus.Healthy, (await TunnelHealth(cluster)).Status);
        // However many attempts failed meanwhile, the outage was one warning line.
        Assert.Single(TunnelWarnings);
        Assert.Contains(_logs.Entries, e => e.Category == typeof(TunnelService).FullName && e.Level == LogLevel.Information
                                           && e.Message.Contains("restored after", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ssh_webhooks_flow_through_the_tunnel_again_after_sshd_is_killed_and_restarted()
    {
        await using var sshd = await SshTestServer.CreateAsync();
        await using var cluster = await StartCluster(new()
        {
            ["RUNNER_TUNNEL_TYPE"] = "ssh",
            ["RUNNER_TUNNEL_SERVER_URL"] = $"ssh://{sshd.User}@127.0.0.1:{sshd.Port}",
            ["RUNNER_TUNNEL_SSH_KEY"] = sshd.ClientKey,
            ["RUNNER_TUNNEL_SSH_KNOWN_HOSTS"] = sshd.KnownHosts,
        });
        await using var gateway = await GatewayHost.StartAsync(cluster.Client, port: _gatewayPort);

        var first = await Eventually.Get(() => Task.FromResult(RegisteredWebhook), Patience, "a registered webhook");
        Assert.NotEqual(_gatewayPort, new Uri(first).Port);
        await PushThrough(first, "ssh-before");

        await sshd.KillAsync();
        await Eventually.True(async () => (await TunnelHealth(cluster)).Status == HealthStatus.Unhealthy, Patience, "the outage in health");
        await sshd.StartAsync();

        // Up again, and what the server holds is the tunnel's URL now (sshd picks the port: it may or may not be the old one).
        await Eventually.True(async () => (await TunnelHealth(cluster)).Status == HealthStatus.Healthy, Patience, "the tunnel reopened");
        var current = Silo(cluster).GetRequiredService<WebhookAddress>().Current!.ToString();
        await Eventually.True(() => RegisteredWebhook == current, Patience, "the current tunnel URL registered");
        await PushThrough(current, "ssh-after");
        Assert.Single(TunnelWarnings, w => w.Contains("dropped", StringComparison.Ordinal));
    }
}
