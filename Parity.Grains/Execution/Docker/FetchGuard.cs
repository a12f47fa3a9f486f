using System.Net;
using System.Net.Http;

namespace Parity.Execution.Docker;

/// <summary>
/// Resolves a host a task named and checks every address it resolves to against <see cref="FetchAddressPolicy"/>. As the
/// HTTP client's connect step it dials only addresses it has just checked, so a name that resolves differently on a
/// second lookup (DNS rebinding) gains nothing: the client never resolves on its own.
/// </summary>
internal sealed class FetchGuard(FetchAddressPolicy policy, FetchNetwork network)
{
    /// <summary>The host's addresses, all allowed; throws <see cref="AddressRefusedException"/> if any is not.</summary>
    public async Task<IPAddress[]> CheckedAddressesAsync(string host, CancellationToken cancellation)
    {
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await network.Resolve(host, cancellation);
        // Every candidate, not just the first: a name resolving to a public and a private address is refused, since
        // which one a connection attempt lands on is not ours to choose once a dial fails over.
        foreach (var address in addresses)
            if (policy.Refusal(address) is { } refused) throw new AddressRefusedException(refused);
        if (addresses.Length == 0) throw new HttpRequestException($"{host} resolved to no address");
        return addresses;
    }

    /// <summary><see cref="SocketsHttpHandler.ConnectCallback"/>: check, then dial a checked address.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellation)
    {
        var addresses = await CheckedAddressesAsync(context.DnsEndPoint.Host, cancellation);
        Exception? last = null;
        foreach (var address in addresses)
        {
            try
            {
                return await network.Dial(new IPEndPoint(address, context.DnsEndPoint.Port), cancellation);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException)
            {
                last = e;
            }
        }
        throw last!;
    }

    /// <summary>An HTTP client that connects only through <see cref="ConnectAsync"/>: no proxy (a proxy would be the
    /// address checked, not the target), no automatic redirects (each hop is checked by the caller), no cookies.</summary>
    public HttpClient Client() => new(new SocketsHttpHandler
    {
        ConnectCallback = ConnectAsync,
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
