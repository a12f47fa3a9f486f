using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads SILO_METRICS_URLS, METRICS_KEY and OTEL_EXPORTER_OTLP_ENDPOINT into <see cref="TelemetryOptions"/>.</summary>
public sealed class TelemetryOptionsReader(ConfigurationReader read) : IConfigureOptions<TelemetryOptions>
{
    public void Configure(TelemetryOptions options)
    {
        if (read.Raw("SILO_METRICS_URLS") is { } urls)
        {
            options.SiloMetricsUrls = urls.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var url in options.SiloMetricsUrls)
                if (GatewayOptions.ParseUrl(url) is not { Port: > 0 } uri || uri.AbsolutePath != "/")
                    throw new ConfigurationException(
                        $"SILO_METRICS_URLS must be a ';'-separated list of http(s) URLs with a port and no path (like http://127.0.0.1:9464), got '{url}'");
        }
        if (read.Raw("METRICS_KEY") is { } key)
            options.MetricsKey = key.Length >= 16 ? key : throw new ConfigurationException($"METRICS_KEY must be at least 16 characters, got {key.Length}");
        if (read.Raw("OTEL_EXPORTER_OTLP_ENDPOINT") is { } endpoint)
            options.OtlpEndpoint = Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                ? uri
                : throw new ConfigurationException($"OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL like http://127.0.0.1:4317, got '{endpoint}'");
    }
}
