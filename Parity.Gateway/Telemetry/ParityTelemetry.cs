using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Parity.Configuration;
using Parity.Gateway.Security;

namespace Parity.Gateway.Telemetry;

/// <summary>
/// OpenTelemetry for a Parity process (the gateway, a silo, or one that is both): the cluster's own meters with
/// Orleans', the .NET runtime's and ASP.NET Core's, scraped by Prometheus at /metrics; and, with
/// OTEL_EXPORTER_OTLP_ENDPOINT set, metrics and traces pushed to that collector by OTLP.
/// </summary>
public static class ParityTelemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// The meters exported. <c>Parity.*</c> is one meter per room (Parity.Tasks, Parity.Runners, Parity.Llm,
    /// Parity.Federation, Parity.Storage), named by wildcard since the gateway does not reference the grains.
    /// </summary>
    public static readonly string[] Meters =
    [
        "Parity.*",
        // Orleans' own: grain calls, activations, messaging, membership, storage.
        "Microsoft.Orleans",
        // The runtime's built-in meter (.NET 9+): GC, heap, thread pool, exceptions, CPU time.
        "System.Runtime",
        "Microsoft.AspNetCore.Hosting",
        "Microsoft.AspNetCore.Server.Kestrel",
        "System.Net.Http",
    ];

    /// <summary>The activity sources traced: the task path's spans and Orleans' grain calls (W3C context across them).</summary>
    public static readonly string[] Sources = ["Parity.*", "Microsoft.Orleans.Application"];

    /// <param name="builder">The host being built; it receives the OTEL_* keys of <paramref name="configuration"/>,
    /// so the SDK reads them from the .env file as well as from the environment.</param>
    /// <param name="serviceName">parity-runner or parity-gateway (the resource's service.name).</param>
    /// <param name="instance">This process among those of the cluster (service.instance.id): the silo's name.</param>
    /// <param name="scrape">Whether this process serves /metrics.</param>
    public static void AddParityTelemetry(this IHostApplicationBuilder builder, IConfiguration configuration,
        string serviceName, string instance, bool scrape)
    {
        var telemetry = configuration.ReadParityOptions<TelemetryOptions>();
        var otlp = telemetry.OtlpEndpoint is not null;
        // Nothing to export to: no provider at all, so no instrument is listened to and recording costs nothing.
        if (!scrape && !otlp) return;
        builder.Configuration.AddInMemoryCollection(configuration.AsEnumerable()
            .Where(pair => pair.Key.StartsWith("OTEL_", StringComparison.Ordinal) && !string.IsNullOrWhiteSpace(pair.Value)));

        var open = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: instance));
        open.WithMetrics(metrics =>
        {
            metrics.AddMeter(Meters);
            if (scrape) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            if (otlp) metrics.AddOtlpExporter();
        });
        if (otlp)
            open.WithTracing(tracing => tracing
                .AddSource(Sources)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => context.Request.Path != MetricsPath)
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
    }

    /// <summary>/metrics in Prometheus' text format, behind <see cref="MetricsAuth"/>.</summary>
    public static IEndpointConventionBuilder MapParityMetrics(this IEndpointRouteBuilder app, MetricsAuth auth) =>
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null,
                configureBranchedPipeline: branch => branch.Use((context, next) => auth.InvokeAsync(context, next)), optionsName: null)
            .ExcludeFromDescription();
}
