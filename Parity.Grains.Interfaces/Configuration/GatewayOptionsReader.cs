using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads GATEWAY_* and RUNNER_WEBHOOK_* into <see cref="GatewayOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class GatewayOptionsReader(ConfigurationReader read) : IConfigureOptions<GatewayOptions>
{
    public void Configure(GatewayOptions options)
    {
        if (read.Raw("GATEWAY_URLS") is { } urls)
        {
            options.Urls = urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var url in options.Urls)
                if (GatewayOptions.ParseUrl(url) is null)
                    throw new ConfigurationException($"GATEWAY_URLS must be a ';'-separated list of http(s) URLs, got '{url}'");
        }
        options.ApiKey = Secret("GATEWAY_API_KEY") ?? options.ApiKey;
        options.WebhookSecret = Secret("RUNNER_WEBHOOK_SECRET") ?? options.WebhookSecret;
        options.AllowUnsignedWebhooks = read.Bool("RUNNER_WEBHOOK_ALLOW_UNSIGNED", options.AllowUnsignedWebhooks);
        options.MaxBodyBytes = (int)read.Size("GATEWAY_MAX_BODY_BYTES", options.MaxBodyBytes, 1024, 256L * 1024 * 1024);
        options.LlmMaxTokens = Parity.Llm.LlmLimits.ReadMaxTokens(read, options.LlmMaxTokens);
    }

    /// <summary>A key or secret short enough to guess is refused rather than trusted.</summary>
    private string? Secret(string key)
    {
        var value = read.Raw(key);
        return value is null || value.Length >= 16
            ? value
            : throw new ConfigurationException($"{key} must be at least 16 characters, got {value.Length}");
    }
}
