using System.Net;
using System.Net.Sockets;
using Parity.Configuration;

namespace Parity.Hosting;

/// <summary>
/// The ports a silo process binds, tried before Orleans starts. Orleans itself would start on a taken port, say it is up
/// and get another silo declared dead; refusing to start names the key to change instead.
/// </summary>
public static class SiloPorts
{
    /// <summary>Each port this silo will listen on, with the key that sets it and the address it binds.</summary>
    public static IReadOnlyList<(string Key, IPAddress Address, int Port)> Of(ClusteringOptions cluster, GatewayOptions? gateway,
        IReadOnlyList<string>? metricsUrls = null)
    {
        // Localhost clustering listens on loopback; redis clustering on the advertised address only (ParitySiloBuilder).
        var silo = cluster.Clustering == ClusteringMode.Localhost ? IPAddress.Loopback : cluster.AdvertisedIp;
        var ports = new List<(string, IPAddress, int)> { ("SILO_PORT", silo, cluster.SiloPort), ("SILO_GATEWAY_PORT", silo, cluster.SiloGatewayPort) };
        foreach (var url in gateway?.Urls ?? []) AddUrl(ports, "GATEWAY_URLS", url);
        foreach (var url in metricsUrls ?? []) AddUrl(ports, "SILO_METRICS_URLS", url);
        return ports;
    }

    private static void AddUrl(List<(string, IPAddress, int)> ports, string key, string url)
    {
        if (GatewayOptions.ParseUrl(url) is not { Port: > 0 } uri) return;
        var host = uri.Host.Trim('[', ']');
        var address = IPAddress.TryParse(host, out var ip) ? ip : host == "localhost" ? IPAddress.Loopback : IPAddress.Any;
        ports.Add((key, address, uri.Port));
    }

    /// <summary>Throws <see cref="ConfigurationException"/> naming the first port that is shared or taken.</summary>
    public static void EnsureFree(ClusteringOptions cluster, GatewayOptions? gateway, IReadOnlyList<string>? metricsUrls = null)
    {
        var ports = Of(cluster, gateway, metricsUrls);
        foreach (var clash in ports.GroupBy(p => p.Port).Where(g => g.Select(p => p.Key).Distinct().Count() > 1))
            throw new ConfigurationException($"{string.Join(" and ", clash.Select(p => p.Key).Distinct())} are both {clash.Key}: " +
                                             "each port of a silo must differ");
        foreach (var (key, address, port) in ports)
        {
            // The any-address try also finds a listener on another interface of this machine; the silo's own address
            // finds one bound to exactly it (the any-address bind can succeed beside it on some systems).
            foreach (var tried in address.Equals(IPAddress.Any) ? [address] : new[] { address, IPAddress.Any })
                if (Taken(tried, port) is { } reason)
                    throw new ConfigurationException($"{key} {port} is already in use on this machine ({tried}:{port}: {reason}); " +
                                                     $"another silo or program listens there. Each silo on one machine needs its own " +
                                                     (key switch
                                                     {
                                                         "GATEWAY_URLS" => "GATEWAY_URLS port (or SILO_HOSTS_GATEWAY=false)",
                                                         "SILO_METRICS_URLS" => "SILO_METRICS_URLS port",
                                                         _ => "SILO_PORT and SILO_GATEWAY_PORT",
                                                     }));
        }
    }

    private static string? Taken(IPAddress address, int port)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
        {
            return e.SocketErrorCode == SocketError.AccessDenied ? "permission denied" : "address in use";
        }
        catch (SocketException)
        {
            // An address this machine lacks (a wrong SILO_ADVERTISED_IP) is not a taken port: Orleans reports it.
            return null;
        }
    }
}
