using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Parity.Network.Tunnel;

/// <summary>
/// A bore client (github.com/ekzhang/bore's protocol, written from its specification): a control connection asks the
/// server for a public port (<c>Hello</c>); for each visitor the server announces a <c>Connection</c> id, and a fresh
/// connection to the control port answers it with <c>Accept</c> and then carries the visitor's bytes to the local
/// port. With a secret the server opens every connection with a <c>Challenge</c> (a UUID) answered by
/// <c>Authenticate</c>: hex HMAC-SHA256 of the UUID's 16 bytes under the SHA-256 of the secret, so the secret itself
/// never crosses the wire. The upstream ran the bore binary and installed it with cargo when missing; nothing is run here.
/// </summary>
public sealed class BoreClient(string serverHost, int controlPort, string? secret, TimeSpan handshakeTimeout, ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger.Instance;
    private readonly byte[]? _key = secret is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    /// <summary>The answer to a challenge: lowercase hex HMAC-SHA256(SHA-256(secret), the UUID's RFC 4122 bytes).</summary>
    public static string Answer(string secret, Guid challenge) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), challenge.ToByteArray(bigEndian: true)));

    /// <summary>Opens the tunnel: <paramref name="remotePort"/> on the server (0: any) forwards to <paramref name="localHost"/>:<paramref name="localPort"/>.</summary>
    public async Task<OpenTunnel> OpenAsync(int remotePort, string localHost, int localPort, CancellationToken cancellation)
    {
        var control = await ConnectAsync(cancellation);
        try
        {
            var frames = new BoreFrames(new NetworkStream(control, ownsSocket: false));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(handshakeTimeout);
            int port;
            try
            {
                await AuthenticateAsync(frames, timeout.Token);
                await frames.SendAsync("Hello", remotePort, timeout.Token);
                var answer = await frames.ReceiveAsync(timeout.Token);
                port = answer switch
                {
                    ("Hello", var value) when value?.GetValueKind() == System.Text.Json.JsonValueKind.Number
                        && value.GetValue<int>() is > 0 and <= 65535 and var p => p,
                    ("Error", var value) => throw Refused(value),
                    ("Challenge", _) => throw new TunnelException(
                        $"the bore server {Server} requires a secret: set RUNNER_TUNNEL_SECRET"),
                    null => throw new TunnelException($"the bore server {Server} closed the connection without giving a port" +
                                                      (_key is null ? "" : " (a wrong RUNNER_TUNNEL_SECRET?)")),
                    var (tag, _) => throw new TunnelException($"the bore server {Server} answered Hello with {tag}"),
                };
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new TunnelException($"the bore server {Server} did not answer within {handshakeTimeout.TotalSeconds:0} s");
            }
            catch (BoreProtocolException e)
            {
                throw new TunnelException($"the bore server {Server}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                throw new TunnelException($"the bore server {Server} dropped the connection during the handshake ({e.Message})");
            }
            return new BoreTunnel(this, control, frames, localHost, localPort) { PublicHost = serverHost, PublicPort = port };
        }
        catch
        {
            control.Dispose();
            throw;
        }
    }

    private string Server => $"{serverHost}:{controlPort}";

    private TunnelException Refused(JsonNode? reason) =>
        new($"the bore server {Server} refused the tunnel: {(reason as JsonValue)?.ToString() ?? "no reason given"}" +
            (reason?.ToString().Contains("secret", StringComparison.OrdinalIgnoreCase) == true ? " (check RUNNER_TUNNEL_SECRET)" : ""));

    private async Task<Socket> ConnectAsync(CancellationToken cancellation)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(handshakeTimeout);
            await socket.ConnectAsync(serverHost, controlPort, timeout.Token);
            // A server that vanishes without a FIN (a cut network) is noticed within about a minute.
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveTime, 30);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveInterval, 5);
            socket.SetSocketOption(SocketOptionLevel.Tcp, SocketOptionName.TcpKeepAliveRetryCount, 4);
            return socket;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !cancellation.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TunnelException($"cannot reach the bore server {Server}: {(e is SocketException s ? s.SocketErrorCode.ToString() : "timed out")}");
        }
    }

    private async Task AuthenticateAsync(BoreFrames frames, CancellationToken cancellation)
    {
        if (_key is null) return;
        // With a secret the server speaks first; one that takes none waits for Hello, and the timeout says so.
        var challenge = await frames.ReceiveAsync(cancellation);
        if (challenge is not ("Challenge", JsonValue value) || !Guid.TryParse(value.ToString(), out var uuid))
            throw challenge is ("Error", var reason) ? Refused(reason)
                : new TunnelException($"the bore server {Server} sent no authentication challenge: unset RUNNER_TUNNEL_SECRET if it takes none");
        var tag = Convert.ToHexStringLower(HMACSHA256.HashData(_key, uuid.ToByteArray(bigEndian: true)));
        await frames.SendAsync("Authenticate", tag, cancellation);
    }

    /// <summary>Answers one <c>Connection</c>: a new control-port connection that accepts it, relayed to the local port.</summary>
    private async Task ForwardAsync(Guid id, string localHost, int localPort, CancellationToken cancellation)
    {
        Socket? remote = null;
        Socket? local = null;
        try
        {
            remote = await ConnectAsync(cancellation);
            var frames = new BoreFrames(new NetworkStream(remote, ownsSocket: false));
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
            {
                timeout.CancelAfter(handshakeTimeout);
                await AuthenticateAsync(frames, timeout.Token);
                await frames.SendAsync("Accept", id.ToString(), timeout.Token);
            }
            local = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await local.ConnectAsync(localHost, localPort, cancellation);
            if (!frames.Leftover.IsEmpty) await local.SendAsync(frames.Leftover, cancellation);
            var (r, l) = (remote, local);
            remote = local = null;
            await TcpRelay.RunAsync(r, l, cancellation);
        }
        catch (Exception e) when (e is TunnelException or BoreProtocolException or IOException or SocketException or OperationCanceledException
                                       or ObjectDisposedException)
        {
            // One visitor's failure is not the tunnel's: it is logged quietly and the tunnel stays up.
            _logger.LogDebug("bore connection {Id} not forwarded: {Problem}", id, e.Message);
        }
        finally
        {
            remote?.Dispose();
            local?.Dispose();
        }
    }

    private sealed class BoreTunnel : OpenTunnel
    {
        private readonly BoreClient _client;
        private readonly Socket _control;
        private readonly CancellationTokenSource _stop = new();
        private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _loop;

        public BoreTunnel(BoreClient client, Socket control, BoreFrames frames, string localHost, int localPort)
        {
            _client = client;
            _control = control;
            _loop = Task.Run(() => ControlLoop(frames, localHost, localPort));
        }

        public override Task<string> Closed => _closed.Task;

        private async Task ControlLoop(BoreFrames frames, string localHost, int localPort)
        {
            string reason;
            try
            {
                while (true)
                {
                    var message = await frames.ReceiveAsync(_stop.Token);
                    if (message is null)
                    {
                        reason = "the bore server closed the control connection";
                        break;
                    }
                    var (tag, value) = message.Value;
                    if (tag == "Heartbeat") continue;
                    if (tag == "Connection" && Guid.TryParse((value as JsonValue)?.ToString(), out var id))
                    {
                        _ = Task.Run(() => _client.ForwardAsync(id, localHost, localPort, _stop.Token));
                        continue;
                    }
                    reason = tag == "Error" ? $"the bore server ended the tunnel: {value}" : $"the bore server sent an unexpected {tag}";
                    break;
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                reason = "closed";
            }
            catch (Exception e) when (e is IOException or SocketException or BoreProtocolException or ObjectDisposedException)
            {
                reason = $"the control connection to the bore server failed ({e.Message})";
            }
            _control.Dispose();
            _closed.TrySetResult(reason);
        }

        public override async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _control.Dispose();
            await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        }
    }
}
