using System.Net;
using System.Net.Sockets;
using System.Text;
using Parity.Network.Tunnel;
using Parity.Tests.Support;

namespace Parity.Tests.Network.Tunnel;

/// <summary>The bore client against the test suite's bore server: handshake, the port it gives, bytes both ways, the secret.</summary>
public sealed class BoreClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TcpListener _local = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();

    public Task InitializeAsync()
    {
        _local.Start();
        _ = ServeLocal();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        _local.Stop();
    }

    private int LocalPort => ((IPEndPoint)_local.LocalEndpoint).Port;

    /// <summary>The local service behind the tunnel: answers each line with "echo:" and the line reversed, so a reply proves a round trip.</summary>
    private async Task ServeLocal()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _local.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(async () =>
            {
                await using var stream = new NetworkStream(socket, ownsSocket: true);
                using var reader = new StreamReader(stream);
                await using var writer = new StreamWriter(stream) { AutoFlush = true };
                while (await reader.ReadLineAsync() is { } line)
                    await writer.WriteLineAsync("echo:" + new string(line.Reverse().ToArray()));
            });
        }
    }

    private static BoreClient Client(BoreTestServer server, string? secret = null) =>
        new("127.0.0.1", server.ControlPort, secret, TimeSpan.FromSeconds(10));

    private static async Task<string> RoundTrip(int publicPort, string line)
    {
        using var visitor = new TcpClient();
        await visitor.ConnectAsync(IPAddress.Loopback, publicPort);
        var stream = visitor.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));
        using var reader = new StreamReader(stream);
        return (await reader.ReadLineAsync().WaitAsync(Patience))!;
    }

    [Fact]
    public async Task Hello_gives_the_port_the_server_allocated_and_bytes_flow_both_ways()
    {
        await using var server = new BoreTestServer();
        await server.StartAsync();

        await using var tunnel = await Client(server).OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None);

        Assert.Equal("127.0.0.1", tunnel.PublicHost);
        Assert.NotEqual(server.ControlPort, tunnel.PublicPort);
        Assert.Equal(1, server.Hellos);
        Assert.Equal("echo:olleh", await RoundTrip(tunnel.PublicPort, "hello"));
        // A second visitor is a second Connection/Accept; and a large line crosses whole in both directions.
        var big = new string('x', 200_000) + "end";
        Assert.Equal("echo:dne" + new string('x', 200_000), await RoundTrip(tunnel.PublicPort, big));
        Assert.Equal(2, server.Accepted);
        Assert.False(tunnel.Closed.IsCompleted);
    }

    [Fact]
    public async Task A_port_asked_for_is_the_port_given()
    {
        await using var server = new BoreTestServer();
        await server.StartAsync();
        var wanted = TestEngines.FreeTcpPort();

        await using var tunnel = await Client(server).OpenAsync(wanted, "127.0.0.1", LocalPort, CancellationToken.None);

        Assert.Equal(wanted, tunnel.PublicPort);
        Assert.Equal("echo:tsil", await RoundTrip(wanted, "list"));
    }

    [Fact]
    public async Task A_port_the_server_cannot_give_is_refused_with_its_reason()
    {
        await using var server = new BoreTestServer();
        await server.StartAsync();
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();

        var error = await Assert.ThrowsAsync<TunnelException>(() =>
            Client(server).OpenAsync(((IPEndPoint)taken.LocalEndpoint).Port, "127.0.0.1", LocalPort, CancellationToken.None));

        Assert.Contains($"the bore server 127.0.0.1:{server.ControlPort} refused the tunnel: port already in use", error.Message);
    }

    [Fact]
    public async Task With_the_right_secret_the_tunnel_opens_and_every_connection_is_authenticated()
    {
        await using var server = new BoreTestServer(secret: "correct horse");
        await server.StartAsync();

        await using var tunnel = await Client(server, "correct horse").OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None);

        Assert.Equal("echo:terces", await RoundTrip(tunnel.PublicPort, "secret"));
        Assert.Equal(1, server.Accepted);
        Assert.Equal(0, server.Refused);
    }

    [Fact]
    public async Task A_wrong_secret_is_refused_with_a_clear_error()
    {
        await using var server = new BoreTestServer(secret: "correct horse");
        await server.StartAsync();

        var error = await Assert.ThrowsAsync<TunnelException>(() =>
            Client(server, "battery staple").OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None));

        Assert.Equal($"the bore server 127.0.0.1:{server.ControlPort} refused the tunnel: invalid secret (check RUNNER_TUNNEL_SECRET)", error.Message);
        Assert.Equal(0, server.Hellos);
        Assert.Equal(1, server.Refused);
    }

    [Fact]
    public async Task A_server_that_requires_a_secret_refuses_a_client_without_one()
    {
        await using var server = new BoreTestServer(secret: "correct horse");
        await server.StartAsync();

        var error = await Assert.ThrowsAsync<TunnelException>(() => Client(server).OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None));

        Assert.Contains("requires a secret: set RUNNER_TUNNEL_SECRET", error.Message);
        Assert.Equal(0, server.Hellos);
    }

    [Fact]
    public void The_answer_to_a_challenge_is_the_protocols_hmac()
    {
        // Computed independently: Python's hmac.new(sha256(b"correct horse").digest(), uuid.UUID(u).bytes, sha256).hexdigest().
        Assert.Equal("6569aa5278625c39ae44225f5eb10378f4fe60643c3d8c207056afc2d2d9f7dd",
            BoreClient.Answer("correct horse", Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")));
    }

    [Fact]
    public async Task The_tunnel_reports_its_close_when_the_server_dies()
    {
        await using var server = new BoreTestServer();
        await server.StartAsync();
        await using var tunnel = await Client(server).OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None);

        await server.StopAsync();

        var reason = await tunnel.Closed.WaitAsync(Patience);
        Assert.Contains("bore server", reason);
    }

    [Fact]
    public async Task An_unreachable_server_is_a_tunnel_error_naming_it()
    {
        var port = TestEngines.FreeTcpPort();
        var error = await Assert.ThrowsAsync<TunnelException>(() =>
            new BoreClient("127.0.0.1", port, null, TimeSpan.FromSeconds(5)).OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None));
        Assert.Contains($"cannot reach the bore server 127.0.0.1:{port}", error.Message);
    }

    [Theory]
    [InlineData("not json\0", "not JSON")]
    [InlineData("{\"Hello\":\"nope\"}\0", "answered Hello with Hello")]
    [InlineData("[1,2]\0", "not a bore message")]
    public async Task A_hostile_server_answer_is_refused(string answer, string expected)
    {
        var error = await Assert.ThrowsAsync<TunnelException>(() => AgainstRawServer(Encoding.UTF8.GetBytes(answer)));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task A_server_message_without_end_is_refused_not_buffered()
    {
        var error = await Assert.ThrowsAsync<TunnelException>(() => AgainstRawServer(new byte[BoreFrames.MaxFrameBytes + 10]
            .Select(_ => (byte)'a').ToArray()));
        Assert.Contains($"longer than {BoreFrames.MaxFrameBytes} bytes", error.Message);
    }

    /// <summary>A "server" that reads the client's Hello and answers with the given bytes.</summary>
    private async Task AgainstRawServer(byte[] answer)
    {
        using var raw = new TcpListener(IPAddress.Loopback, 0);
        raw.Start();
        var serve = Task.Run(async () =>
        {
            using var socket = await raw.AcceptSocketAsync();
            var buffer = new byte[256];
            await socket.ReceiveAsync(buffer);
            await socket.SendAsync(answer);
            // Held open until the client hangs up: it must refuse what it got, not wait for more.
            while (await socket.ReceiveAsync(buffer) > 0) { }
        });
        await using var tunnel = await new BoreClient("127.0.0.1", ((IPEndPoint)raw.LocalEndpoint).Port, null, TimeSpan.FromSeconds(20))
            .OpenAsync(0, "127.0.0.1", LocalPort, CancellationToken.None);
    }
}
