using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Parity.Execution.Docker;

namespace Parity.Tests.Execution.Docker;

/// <summary>
/// A resolver that knows only the made-up names a test gives it (no real DNS), and a dialer that records every address
/// a download would connect to and connects only to loopback ones: whatever the code under test does, no test opens a
/// connection off this machine.
/// </summary>
public sealed class RecordingNetwork(IReadOnlyDictionary<string, IPAddress[]> names)
{
    public ConcurrentQueue<IPEndPoint> Dialled { get; } = new();

    public FetchNetwork Network => new()
    {
        Resolve = (host, _) => names.TryGetValue(host, out var addresses)
            ? Task.FromResult(addresses)
            : host == "localhost"
                ? Task.FromResult(new[] { IPAddress.Loopback })
                : throw new SocketException((int)SocketError.HostNotFound),
        Dial = async (endpoint, cancellation) =>
        {
            Dialled.Enqueue(endpoint);
            if (!IPAddress.IsLoopback(endpoint.Address))
                throw new SocketException((int)SocketError.NetworkUnreachable);
            return await FetchNetwork.DialAsync(endpoint, cancellation);
        },
    };
}
