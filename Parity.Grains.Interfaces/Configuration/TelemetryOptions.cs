namespace Parity.Configuration;

/// <summary>Metrics and traces (SILO_METRICS_URLS, METRICS_KEY, OTEL_EXPORTER_OTLP_ENDPOINT).</summary>
public sealed record TelemetryOptions
{
    /// <summary>
    /// Where a silo that serves no gateway listens for Prometheus' scrapes of /metrics (SILO_METRICS_URLS); empty: it
    /// serves none. A process that serves the gateway answers /metrics on the gateway's own URLs.
    /// </summary>
    public IReadOnlyList<string> SiloMetricsUrls { get; set; } = [];

    /// <summary>
    /// Bearer key for /metrics (METRICS_KEY), so a scraper holds a key that reads metrics and nothing else; null: the
    /// gateway's /metrics takes GATEWAY_API_KEY (when one is set) and a silo's may bind loopback only.
    /// </summary>
    public string? MetricsKey { get; set; }

    /// <summary>
    /// The OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT, the OpenTelemetry SDK's own variable): metrics and traces are
    /// exported there when set, and no trace is recorded when not.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    public bool SiloMetricsLoopbackOnly => SiloMetricsUrls.All(GatewayOptions.IsLoopbackUrl);

    /// <summary>
    /// Why this silo cannot serve /metrics as configured, naming the key; null when it can. A silo that serves the
    /// gateway already answers /metrics there, and a scrape endpoint off loopback needs a key (as the gateway does).
    /// </summary>
    public string? SiloEndpointProblem(bool hostsGateway)
    {
        if (SiloMetricsUrls.Count == 0) return null;
        if (hostsGateway)
            return "SILO_METRICS_URLS is set, but this silo serves the gateway, which answers /metrics on GATEWAY_URLS; " +
                   "leave SILO_METRICS_URLS unset (or SILO_HOSTS_GATEWAY=false)";
        if (MetricsKey is null && !SiloMetricsLoopbackOnly)
            return $"SILO_METRICS_URLS binds a non-loopback address ({string.Join(";", SiloMetricsUrls)}) but METRICS_KEY is " +
                   "not set; set a key (Prometheus sends it as a bearer token) or bind 127.0.0.1 only";
        return null;
    }
}
