using System.Net;
using System.Net.Sockets;

namespace Parity.Execution.Docker;

/// <summary>
/// Which addresses a docker task may make this runner (or its engine) connect to: a task's <c>docker_image_url</c> and
/// the registry of its <c>image_name</c> are the task's input, so without this a task could reach the cloud metadata
/// service, the silo's loopback API, a tcp:// engine or anything on the runner's private network. Loopback, link-local,
/// private (RFC 1918, CGNAT 100.64/10, ULA fc00::/7), multicast, unspecified and reserved addresses are refused — also
/// in their IPv6 wrappings (IPv4-mapped, NAT64, 6to4) — unless the operator lists them in RUNNER_DOCKER_FETCH_ALLOW.
/// Pure: no I/O, so it is tested by tables.
/// </summary>
public sealed class FetchAddressPolicy(IReadOnlyList<IPNetwork> allow)
{
    public const string AllowKey = "RUNNER_DOCKER_FETCH_ALLOW";

    public static readonly FetchAddressPolicy Default = new([]);

    public IReadOnlyList<IPNetwork> Allow { get; } = allow;

    private static readonly (IPNetwork Network, string Class)[] V4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (CGNAT)"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        // 240/4 holds the broadcast address 255.255.255.255.
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
    ];

    private static readonly (IPNetwork Network, string Class)[] V6 =
    [
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        // IPv4-compatible addresses (deprecated): nothing legitimate uses them.
        (IPNetwork.Parse("::/96"), "reserved"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "private"),
        (IPNetwork.Parse("100::/64"), "reserved"),
        (IPNetwork.Parse("fc00::/7"), "unique-local"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("fec0::/10"), "site-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");

    /// <summary>Null when <paramref name="address"/> may be connected to; else the class that refuses it.</summary>
    public string? Refusal(IPAddress address)
    {
        var forbidden = ForbiddenClass(address);
        if (forbidden is null) return null;
        var embedded = EmbeddedIPv4(address);
        foreach (var network in Allow)
            if (network.Contains(address) || (embedded is not null && network.Contains(embedded))) return null;
        return forbidden;
    }

    /// <summary>The class of address a task may never reach by default, or null for an ordinary (global) one.</summary>
    public static string? ForbiddenClass(IPAddress address)
    {
        if (EmbeddedIPv4(address) is { } v4) return ForbiddenClass(v4);
        var table = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => V4,
            AddressFamily.InterNetworkV6 => V6,
            _ => null,
        };
        if (table is null) return "unknown family";
        // A scoped IPv6 address (fe80::1%eth0) names an interface of this machine.
        if (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0) return "link-local";
        foreach (var (network, name) in table)
            if (network.Contains(address)) return name;
        return null;
    }

    /// <summary>The IPv4 address an IPv6 one carries and would reach (IPv4-mapped, NAT64 64:ff9b::/96, 6to4 2002::/16).</summary>
    private static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        var bytes = address.GetAddressBytes();
        if (Nat64.Contains(address)) return new IPAddress(bytes.AsSpan(12, 4));
        if (SixToFour.Contains(address)) return new IPAddress(bytes.AsSpan(2, 4));
        return null;
    }

    /// <summary>Parses RUNNER_DOCKER_FETCH_ALLOW: comma-separated CIDRs (a bare address is one host); empty for none.</summary>
    public static FetchAddressPolicy Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Default;
        var networks = new List<IPNetwork>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // A prefix whose address has host bits set (10.0.0.1/8) is ambiguous: refused rather than silently widened.
            if (item.Contains('/') && IPNetwork.TryParse(item, out var network) && IPAddress.TryParse(item[..item.IndexOf('/')], out var written)
                && written.Equals(network.BaseAddress)) networks.Add(network);
            else if (IPAddress.TryParse(item, out var host)) networks.Add(new IPNetwork(host, host.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else
                throw new FormatException(
                    $"{AllowKey} must be comma-separated CIDRs like 10.20.0.0/16,127.0.0.1/32 (no host bits set past the prefix), got '{item}'");
        }
        return new FetchAddressPolicy(networks);
    }
}
