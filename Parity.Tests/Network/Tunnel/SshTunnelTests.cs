using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Parity.Network.Tunnel;
using Parity.Tests.Support;

namespace Parity.Tests.Network.Tunnel;

/// <summary>The ssh reverse tunnel through a real sshd on loopback: an HTTP request to the public port reaches the local listener.</summary>
public sealed class SshTunnelTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private SshTestServer _sshd = null!;
    private WebApplication _local = null!;
    private int _localPort;
    private readonly List<string> _received = [];

    public async Task InitializeAsync()
    {
        _sshd = await SshTestServer.CreateAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _local = builder.Build();
        _local.MapPost("/webhook", async (HttpRequest request) =>
        {
            var body = await new StreamReader(request.Body).ReadToEndAsync();
            lock (_received) _received.Add(body);
            return Results.Text("got " + body);
        });
        await _local.StartAsync();
        _localPort = new Uri(_local.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _local.DisposeAsync();
        await _sshd.DisposeAsync();
    }

    private TunnelOptions Options(string? knownHosts = null, int remotePort = 0) => new()
    {
        Enabled = true,
        Type = TunnelType.Ssh,
        ServerHost = "127.0.0.1",
        ServerPort = _sshd.Port,
        SshUser = _sshd.User,
        SshKeyFile = _sshd.ClientKey,
        SshKnownHostsFile = knownHosts ?? _sshd.KnownHosts,
        RemotePort = remotePort,
    };

    [Fact]
    public async Task An_http_request_to_the_allocated_public_port_reaches_the_local_webhook()
    {
        await using var tunnel = await new SshTunnel(Options(), NullLogger.Instance)
            .OpenAsync(0, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal("127.0.0.1", tunnel.PublicHost);
        Assert.NotEqual(_localPort, tunnel.PublicPort);
        using var http = new HttpClient();
        var answer = await http.PostAsync($"http://127.0.0.1:{tunnel.PublicPort}/webhook", new StringContent("through ssh"));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("got through ssh", await answer.Content.ReadAsStringAsync());
        lock (_received) Assert.Equal(["through ssh"], _received);
    }

    [Fact]
    public async Task A_fixed_remote_port_is_confirmed_and_used()
    {
        var wanted = TestEngines.FreeTcpPort();
        await using var tunnel = await new SshTunnel(Options(remotePort: wanted), NullLogger.Instance)
            .OpenAsync(wanted, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience);

        Assert.Equal(wanted, tunnel.PublicPort);
        using var http = new HttpClient();
        Assert.Equal("got fixed", await (await http.PostAsync($"http://127.0.0.1:{wanted}/webhook", new StringContent("fixed"))).Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_fixed_remote_port_the_server_cannot_bind_ends_ssh_with_the_reason()
    {
        // On every address: sshd binds its forward on each loopback address (127.0.0.1 and ::1) and succeeds on any one.
        var taken = new System.Net.Sockets.TcpListener(IPAddress.IPv6Any, 0);
        taken.Server.DualMode = true;
        taken.Start();
        using var _ = taken.Server;
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var error = await Assert.ThrowsAsync<TunnelException>(() => new SshTunnel(Options(remotePort: port), NullLogger.Instance)
            .OpenAsync(port, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience));

        Assert.Contains("ssh exited with code 255", error.Message);
        Assert.Contains($"remote port forwarding failed for listen port {port}", error.Message);
    }

    [Fact]
    public async Task A_key_the_server_does_not_know_is_refused()
    {
        var stranger = Path.Combine(Path.GetTempPath(), $"parity-stranger-{Guid.NewGuid():N}");
        var keygen = System.Diagnostics.Process.Start("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", stranger]);
        await keygen.WaitForExitAsync();
        try
        {
            var options = Options() with { SshKeyFile = stranger };
            var error = await Assert.ThrowsAsync<TunnelException>(() => new SshTunnel(options, NullLogger.Instance)
                .OpenAsync(0, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience));
            Assert.Contains("Permission denied", error.Message);
        }
        finally
        {
            File.Delete(stranger);
            File.Delete(stranger + ".pub");
        }
    }

    [Fact]
    public async Task A_server_whose_host_key_is_not_the_known_one_is_refused()
    {
        var error = await Assert.ThrowsAsync<TunnelException>(() => new SshTunnel(Options(_sshd.WrongKnownHosts), NullLogger.Instance)
            .OpenAsync(0, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience));

        Assert.Contains("ssh exited with code 255", error.Message);
        Assert.Contains("Host key verification failed", error.Message);
    }

    [Fact]
    public async Task The_tunnel_reports_its_close_when_the_server_dies()
    {
        await using var tunnel = await new SshTunnel(Options(), NullLogger.Instance)
            .OpenAsync(0, "127.0.0.1", _localPort, CancellationToken.None).WaitAsync(Patience);

        await _sshd.KillAsync();

        var reason = await tunnel.Closed.WaitAsync(Patience);
        Assert.StartsWith("ssh exited with code 255", reason);
    }

    [Fact]
    public void The_command_line_pins_the_host_key_and_never_prompts()
    {
        var args = new SshTunnel(Options(), NullLogger.Instance).Arguments(0, "127.0.0.1", 5080);
        string Option(string name) => args.Single(a => a.StartsWith(name + "=", StringComparison.Ordinal));
        Assert.Equal("StrictHostKeyChecking=yes", Option("StrictHostKeyChecking"));
        Assert.Equal("BatchMode=yes", Option("BatchMode"));
        Assert.Equal("ExitOnForwardFailure=yes", Option("ExitOnForwardFailure"));
        Assert.Equal($"UserKnownHostsFile={_sshd.KnownHosts}", Option("UserKnownHostsFile"));
        Assert.Equal("0:127.0.0.1:5080", args[args.ToList().IndexOf("-R") + 1]);
        // The host comes last, after "--": no value of RUNNER_TUNNEL_SERVER_URL is read as an option.
        Assert.Equal(["--", "127.0.0.1"], args.TakeLast(2));
    }
}
