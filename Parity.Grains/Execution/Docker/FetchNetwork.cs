using System.Net;
using System.Net.Sockets;

namespace Parity.Execution.Docker;

/// <summary>
/// How the runner resolves a host name and opens a TCP connection for a docker task's downloads. The system's by default;
/// tests substitute a resolver that returns forbidden addresses for a made-up name and a dialer that records what would
/// have been dialled, to prove a refusal happens before any connection.
/// </summary>
public sealed class FetchNetwork
{
    public static readonly FetchNetwork System = new();

    public Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = Dns.GetHostAddressesAsync;

    public Func<IPEndPoint, CancellationToken, ValueTask<Stream>> Dial { get; init; } = DialAsync;

    public static async ValueTask<Stream> DialAsync(IPEndPoint endpoint, CancellationToken cancellation)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellation);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
