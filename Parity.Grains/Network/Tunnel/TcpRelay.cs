using System.Net.Sockets;

namespace Parity.Network.Tunnel;

/// <summary>Copies bytes both ways between two connections until both directions have ended.</summary>
internal static class TcpRelay
{
    public static async Task RunAsync(Socket a, Socket b, CancellationToken cancellation)
    {
        using (a)
        using (b)
        {
            await using var sa = new NetworkStream(a, ownsSocket: false);
            await using var sb = new NetworkStream(b, ownsSocket: false);
            // A half-close is passed on (HTTP clients may end their side after the request and still read the
            // answer); a reset of either side ends both.
            var ab = Pump(sa, b, cancellation);
            var ba = Pump(sb, a, cancellation);
            if (await Task.WhenAny(ab, ba) is { } first && !await first)
                return;
            await Task.WhenAll(ab, ba);
        }
    }

    /// <summary>True when the source ended cleanly and its end was passed on.</summary>
    private static async Task<bool> Pump(NetworkStream from, Socket to, CancellationToken cancellation)
    {
        try
        {
            await using var target = new NetworkStream(to, ownsSocket: false);
            await from.CopyToAsync(target, 16 * 1024, cancellation);
            to.Shutdown(SocketShutdown.Send);
            return true;
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            return false;
        }
    }
}
