using Microsoft.Extensions.Options;

namespace Parity.Network;

/// <summary>Network mode needs a wallet address and a webhook URL to register with; checked at start.</summary>
public sealed class UpstreamOptionsValidator : IValidateOptions<UpstreamOptions>
{
    public ValidateOptionsResult Validate(string? name, UpstreamOptions options) =>
        !options.Enabled ? ValidateOptionsResult.Success
        : options.WalletAddress is null ? ValidateOptionsResult.Fail(
            "RUNNER_SERVER_URL is set but no wallet address is known: set RUNNER_WALLET_ADDRESS, or run 'parity-runner auth' to create the keystore")
        : options.WebhookUrl is null ? ValidateOptionsResult.Fail(
            "RUNNER_SERVER_URL is set but no webhook URL is known: set RUNNER_WEBHOOK_URL")
        : ValidateOptionsResult.Success;
}
