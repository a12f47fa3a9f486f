using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Network.Tunnel;

/// <summary>Reads RUNNER_TUNNEL_* into <see cref="TunnelOptions"/>; every key is read and checked whether or not the tunnel is on.</summary>
public sealed class TunnelOptionsReader(ConfigurationReader read, GatewayOptions gateway) : IConfigureOptions<TunnelOptions>
{
    public void Configure(TunnelOptions options)
    {
        options.Enabled = read.Bool("RUNNER_TUNNEL_ENABLED", options.Enabled);
        if (read.Raw("RUNNER_TUNNEL_TYPE") is { } type)
            options.Type = type.ToLowerInvariant() switch
            {
                "ssh" => TunnelType.Ssh,
                "bore" => TunnelType.Bore,
                "local" => TunnelType.Local,
                // The upstream accepted ngrok and custom and then failed at run time; here they fail at start.
                _ => throw new ConfigurationException($"RUNNER_TUNNEL_TYPE must be ssh, bore or local, got '{type}'"),
            };
        if (read.Raw("RUNNER_TUNNEL_SERVER_URL") is { } server) ReadServer(options, server);
        options.RemotePort = read.Int("RUNNER_TUNNEL_PORT", options.RemotePort, 0, 65535);
        options.Secret = read.Raw("RUNNER_TUNNEL_SECRET") ?? options.Secret;
        options.SshKeyFile = ExistingFile("RUNNER_TUNNEL_SSH_KEY") ?? options.SshKeyFile;
        options.SshKnownHostsFile = ExistingFile("RUNNER_TUNNEL_SSH_KNOWN_HOSTS") ?? options.SshKnownHostsFile;
        if (options.Enabled && read.Raw("RUNNER_SERVER_URL") is null)
            throw new ConfigurationException("RUNNER_TUNNEL_ENABLED=true needs network mode: set RUNNER_SERVER_URL (the tunnel's URL is registered there)");
        // A tunnel makes the webhook public: the signature is then all that keeps strangers from pushing tasks (the
        // reference's hole: anyone could run commands through its bore URL). Without pushes, polling still takes them.
        if (options.Opens && gateway.AllowUnsignedWebhooks)
            throw new ConfigurationException(
                "RUNNER_WEBHOOK_ALLOW_UNSIGNED=true cannot be used with a tunnel (RUNNER_TUNNEL_TYPE=ssh or bore): the webhook is public " +
                "there, and only signed pushes (RUNNER_WEBHOOK_SECRET) may reach it; unsigned pushes are refused and their tasks are claimed by polling");
    }

    /// <summary>
    /// <c>host</c>, <c>host:port</c>, <c>user@host:port</c> or a URL (<c>ssh://user@host:port</c>, <c>bore://host</c>):
    /// the upstream passed the value to <c>bore local --to</c>, a bare host, so that form stays valid.
    /// </summary>
    private static void ReadServer(TunnelOptions options, string server)
    {
        var text = server.Contains("://", StringComparison.Ordinal) ? server : "tunnel://" + server;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.HostNameType is UriHostNameType.Unknown or UriHostNameType.Basic
            || url.AbsolutePath != "/" || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Contains(':', StringComparison.Ordinal)
            || url.Host.StartsWith('-') || url.Scheme is not ("tunnel" or "ssh" or "bore"))
            throw new ConfigurationException(
                $"RUNNER_TUNNEL_SERVER_URL must be a host with an optional user and port, like bore.example.com, tunnel.example.com:7835 or ssh://tunnel@example.com:22, got '{server}'");
        options.ServerHost = url.IdnHost;
        options.ServerPort = url.IsDefaultPort ? 0 : url.Port;
        options.SshUser = url.UserInfo.Length > 0 ? Uri.UnescapeDataString(url.UserInfo) : null;
    }

    private string? ExistingFile(string key) => read.Raw(key) is not { } path ? null
        : File.Exists(path) ? Path.GetFullPath(path)
        : throw new ConfigurationException($"{key} must name an existing file, got '{path}'");
}
