using System.Net;
using System.Net.Sockets;
using Parity.Configuration;
using StackExchange.Redis;

namespace Parity.Gateway;

/// <summary>
/// Checks, before a host starts, that the Redis a cluster runs on (ORLEANS_REDIS) answers. Without it Orleans and
/// StackExchange.Redis fail deep inside the host's start with pages of stack traces; with it the process says in one
/// line which address did not answer and why, and stops like any other configuration error (exit 2).
/// </summary>
public static class RedisProbe
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <exception cref="ConfigurationException">ORLEANS_REDIS does not parse, or a server it names does not answer a PING.</exception>
    public static async Task EnsureReachableAsync(ClusteringOptions cluster, CancellationToken cancellation)
    {
        if (cluster.Clustering != ClusteringMode.Redis || cluster.RedisConnectionString is not { } connection) return;
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(connection);
        }
        catch (ArgumentException e)
        {
            throw new ConfigurationException($"ORLEANS_REDIS is not a Redis connection string: {e.Message}");
        }
        options.SetDefaultPorts();
        if (options.EndPoints.Count == 0) throw new ConfigurationException("ORLEANS_REDIS names no Redis server (expected host:port)");
        var where = string.Join(", ", options.EndPoints.Select(Describe));

        // A plain TCP connect first: it tells "connection refused" from "no answer" from "unknown host", which the
        // client library folds into one long message.
        foreach (var endpoint in options.EndPoints)
        {
            if (await TcpProblemAsync(endpoint, cancellation) is { } problem)
                throw new ConfigurationException($"cannot reach Redis at {Describe(endpoint)} (ORLEANS_REDIS): {problem}");
        }

        // Then the protocol: TLS, a password, a server that accepts connections but is not Redis or does not answer.
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        options.SyncTimeout = (int)ConnectTimeout.TotalMilliseconds;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options, TextWriter.Null);
            await redis.GetDatabase().PingAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new ConfigurationException($"cannot reach Redis at {where} (ORLEANS_REDIS): {OneLine(e.Message)}");
        }
    }

    private static async Task<string?> TcpProblemAsync(EndPoint endpoint, CancellationToken cancellation)
    {
        var (host, port) = endpoint switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => (null, 0),
        };
        // A Unix socket or another kind of endpoint: only the client library can try it.
        if (host is null) return null;
        using var client = new TcpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(ConnectTimeout);
        try
        {
            await client.ConnectAsync(host, port, timeout.Token);
            return null;
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return $"no answer within {ConnectTimeout.TotalSeconds:0} s";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"host '{host}' not found",
                SocketError.TimedOut => "no answer (timed out)",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable from this machine",
                _ => OneLine(e.Message),
            };
        }
    }

    private static string Describe(EndPoint endpoint) => endpoint switch
    {
        DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        IPEndPoint { Address.AddressFamily: AddressFamily.InterNetworkV6 } ip => $"[{ip.Address}]:{ip.Port}",
        IPEndPoint ip => $"{ip.Address}:{ip.Port}",
        _ => endpoint.ToString() ?? "?",
    };

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
