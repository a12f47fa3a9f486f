using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;

namespace Parity.Tests.Execution.Docker;

/// <summary>
/// A unix-socket relay in front of the test dockerd that holds back the engine's answer to the first container create
/// until the test releases it. While it is held the container exists in the engine but its creator does not know its
/// id yet: the moment at which a cancellation used to leave the container behind. Every other call passes through.
/// </summary>
internal sealed class CreateAnswerHold : IAsyncDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"parity-hold-{Guid.NewGuid().ToString("N")[..8]}.sock");
    private readonly string _engine;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accepting;
    private int _createSeen;

    public CreateAnswerHold(Uri engine)
    {
        _engine = engine.LocalPath;
        _listener.Bind(new UnixDomainSocketEndPoint(_path));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public Uri Host => new("unix://" + _path);

    /// <summary>Completes once the engine answered the create (so the container exists) and that answer is held here.</summary>
    public Task Held => _held.Task;

    public void Release() => _release.TrySetResult();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptAsync(_stop.Token);
                var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await engine.ConnectAsync(new UnixDomainSocketEndPoint(_engine), _stop.Token);
                lock (_sockets) _sockets.AddRange([client, engine]);
                var holdNext = new StrongBox<bool>();
                _ = RelayAsync(client, engine, holdNext, requests: true);
                _ = RelayAsync(engine, client, holdNext, requests: false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    /// <summary>Copies one direction of a connection; the engine's first answer after a create request waits for release.</summary>
    private async Task RelayAsync(Socket from, Socket to, StrongBox<bool> holdNext, bool requests)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, _stop.Token);
                if (read == 0) break;
                if (requests && Encoding.ASCII.GetString(buffer, 0, read) is var text
                    && text.StartsWith("POST ", StringComparison.Ordinal) && text.Contains("/containers/create")
                    && Interlocked.Exchange(ref _createSeen, 1) == 0)
                    Volatile.Write(ref holdNext.Value, true);
                if (!requests && Volatile.Read(ref holdNext.Value))
                {
                    Volatile.Write(ref holdNext.Value, false);
                    _held.TrySetResult();
                    await _release.Task.WaitAsync(_stop.Token);
                }
                await to.SendAsync(buffer.AsMemory(0, read), _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        lock (_sockets)
            foreach (var socket in _sockets) socket.Dispose();
        _stop.Dispose();
        File.Delete(_path);
    }
}
