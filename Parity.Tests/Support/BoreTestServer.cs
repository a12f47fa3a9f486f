using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Parity.Network.Tunnel;

namespace Parity.Tests.Support;

/// <summary>
/// A bore server for the tests, written from the protocol's description (github.com/ekzhang/bore): a control port on
/// loopback; a client's <c>Hello(port)</c> gets a public listener (the port asked for, or any) and <c>Hello(actual)</c>;
/// each visitor of that port is announced as <c>Connection(uuid)</c> and relayed once a new control connection sends
/// <c>Accept(uuid)</c>; with a secret every control connection starts with <c>Challenge(uuid)</c> and a wrong answer
/// gets <c>Error("invalid secret")</c>. It sends <c>Heartbeat</c> often, counts what it saw, and can be stopped (every
/// connection and public port dropped, as when the server dies) and started again on the same control port.
/// </summary>
public sealed class BoreTestServer(string? secret = null, int controlPort = 0) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<Guid, Socket> _waiting = new();
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly ConcurrentBag<TcpListener> _publicListeners = [];
    private readonly ConcurrentDictionary<int, bool> _given = new();
    private TcpListener? _control;
    private CancellationTokenSource _stop = new();
    private int _hellos;
    private int _accepted;
    private int _refused;

    /// <summary>The control port: the one given, else the one the first start found free.</summary>
    public int ControlPort { get; private set; } = controlPort;
    public int Hellos => _hellos;
    public int Accepted => _accepted;
    public int Refused => _refused;

    public Task StartAsync()
    {
        _stop = new CancellationTokenSource();
        var control = new TcpListener(IPAddress.Loopback, ControlPort);
        control.Start();
        ControlPort = ((IPEndPoint)control.LocalEndpoint).Port;
        _control = control;
        _ = AcceptLoop(control, _stop.Token);
        return Task.CompletedTask;
    }

    /// <summary>Dies: the control port closes and every tunnel, public port and relayed connection is cut.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        _control?.Stop();
        _control = null;
        foreach (var listener in _publicListeners) listener.Stop();
        _publicListeners.Clear();
        foreach (var socket in _sockets) socket.Dispose();
        _sockets.Clear();
        _waiting.Clear();
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task AcceptLoop(TcpListener control, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await control.AcceptSocketAsync(stop);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _sockets.Add(socket);
            _ = Task.Run(() => Serve(socket, stop));
        }
    }

    private async Task Serve(Socket socket, CancellationToken stop)
    {
        try
        {
            var frames = new BoreFrames(new NetworkStream(socket, ownsSocket: false));
            if (secret is not null)
            {
                var challenge = Guid.NewGuid();
                await frames.SendAsync("Challenge", challenge.ToString(), stop);
                var answer = await frames.ReceiveAsync(stop);
                if (answer is not ("Authenticate", JsonValue tag) || !Valid(challenge, tag.ToString()))
                {
                    Interlocked.Increment(ref _refused);
                    await frames.SendAsync("Error", "invalid secret", stop);
                    socket.Dispose();
                    return;
                }
            }
            switch (await frames.ReceiveAsync(stop))
            {
                case ("Hello", JsonValue port):
                    await Tunnel(socket, frames, port.GetValue<int>(), stop);
                    break;
                case ("Accept", JsonValue id) when Guid.TryParse(id.ToString(), out var uuid) && _waiting.TryRemove(uuid, out var visitor):
                    Interlocked.Increment(ref _accepted);
                    if (!frames.Leftover.IsEmpty) await visitor.SendAsync(frames.Leftover, stop);
                    await Relay(socket, visitor, stop);
                    break;
                default:
                    socket.Dispose();
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException or BoreProtocolException)
        {
            socket.Dispose();
        }
    }

    /// <summary>Checked the way the protocol defines it, independently of the client's code: HMAC-SHA256 keyed by SHA-256(secret).</summary>
    private bool Valid(Guid challenge, string tag)
    {
        using var hmac = new HMACSHA256(SHA256.HashData(Encoding.UTF8.GetBytes(secret!)));
        var expected = hmac.ComputeHash(challenge.ToByteArray(bigEndian: true));
        try
        {
            return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(tag));
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private async Task Tunnel(Socket control, BoreFrames frames, int port, CancellationToken stop)
    {
        TcpListener listener;
        try
        {
            listener = Listen(port);
        }
        catch (SocketException)
        {
            await frames.SendAsync("Error", "port already in use", stop);
            control.Dispose();
            return;
        }
        _publicListeners.Add(listener);
        Interlocked.Increment(ref _hellos);
        await frames.SendAsync("Hello", ((IPEndPoint)listener.LocalEndpoint).Port, stop);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(stop);
        // Heartbeats and announcements share the control connection: one message at a time.
        using var sending = new SemaphoreSlim(1);
        async Task Send(string tag, JsonNode? value)
        {
            await sending.WaitAsync(gone.Token);
            try
            {
                await frames.SendAsync(tag, value, gone.Token);
            }
            finally
            {
                sending.Release();
            }
        }
        // Heartbeats, as the real server sends them; a failed one means the client is gone.
        _ = Task.Run(async () =>
        {
            try
            {
                while (!gone.IsCancellationRequested)
                {
                    await Task.Delay(200, gone.Token);
                    await Send("Heartbeat", null);
                }
            }
            catch (Exception)
            {
                try
                {
                    await gone.CancelAsync();
                }
                catch (ObjectDisposedException)
                {
                }
            }
        });
        try
        {
            while (!gone.IsCancellationRequested)
            {
                var visitor = await listener.AcceptSocketAsync(gone.Token);
                _sockets.Add(visitor);
                var id = Guid.NewGuid();
                _waiting[id] = visitor;
                await Send("Connection", id.ToString());
            }
        }
        finally
        {
            listener.Stop();
            control.Dispose();
        }
    }

    /// <summary>
    /// The port asked for, or any port this server never gave before: a client that reconnects after the server's
    /// restart always gets a new public address (as from a real server whose ports were taken meanwhile), so the tests
    /// can tell a re-registered URL from the old one.
    /// </summary>
    private TcpListener Listen(int port)
    {
        while (true)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            var given = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (_given.TryAdd(given, true) || port != 0) return listener;
            listener.Stop();
        }
    }

    private static async Task Relay(Socket a, Socket b, CancellationToken stop)
    {
        await using var sa = new NetworkStream(a, ownsSocket: true);
        await using var sb = new NetworkStream(b, ownsSocket: true);
        await Task.WhenAny(sa.CopyToAsync(sb, stop), sb.CopyToAsync(sa, stop));
    }
}
