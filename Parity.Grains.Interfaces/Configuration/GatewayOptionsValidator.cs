using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>The rule between gateway keys: anything but loopback needs an API key.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        options.ApiKey is null && !options.BindsLoopbackOnly
            ? ValidateOptionsResult.Fail(
                $"GATEWAY_URLS binds a non-loopback address ({string.Join(";", options.Urls)}) but GATEWAY_API_KEY is not set; " +
                "set a key or bind 127.0.0.1 only")
            : ValidateOptionsResult.Success;
}
