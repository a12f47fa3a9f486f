using Microsoft.Extensions.Options;

namespace Parity.Network.Tunnel;

/// <summary>The rules between the tunnel keys, checked at start so a tunnel never fails for want of a setting at run time.</summary>
public sealed class TunnelOptionsValidator : IValidateOptions<TunnelOptions>
{
    public ValidateOptionsResult Validate(string? name, TunnelOptions options)
    {
        if (!options.Opens) return ValidateOptionsResult.Success;
        var type = options.Type == TunnelType.Ssh ? "ssh" : "bore";
        // The upstream fell back to the public bore.pub; where a webhook becomes public is the operator's choice.
        if (options.ServerHost is null)
            return ValidateOptionsResult.Fail($"RUNNER_TUNNEL_SERVER_URL is required with RUNNER_TUNNEL_TYPE={type}");
        if (options.Type == TunnelType.Ssh)
        {
            if (options.SshKeyFile is null)
                return ValidateOptionsResult.Fail("RUNNER_TUNNEL_SSH_KEY is required with RUNNER_TUNNEL_TYPE=ssh (the private key ssh logs in with)");
            if (options.SshKnownHostsFile is null)
                return ValidateOptionsResult.Fail("RUNNER_TUNNEL_SSH_KNOWN_HOSTS is required with RUNNER_TUNNEL_TYPE=ssh (a known_hosts file with the server's host key)");
            if (options.Secret is not null)
                return ValidateOptionsResult.Fail("RUNNER_TUNNEL_SECRET is bore's; an ssh tunnel logs in with RUNNER_TUNNEL_SSH_KEY");
        }
        else if (options.SshKeyFile is not null || options.SshKnownHostsFile is not null || options.SshUser is not null)
            return ValidateOptionsResult.Fail("RUNNER_TUNNEL_SSH_KEY, RUNNER_TUNNEL_SSH_KNOWN_HOSTS and a user in RUNNER_TUNNEL_SERVER_URL are for RUNNER_TUNNEL_TYPE=ssh only");
        return ValidateOptionsResult.Success;
    }
}
