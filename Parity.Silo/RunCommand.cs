using Orleans.Dashboard;
using Parity.Configuration;
using Parity.Execution;
using Parity.Gateway;
using Parity.Gateway.Security;
using Parity.Gateway.Telemetry;
using Parity.Hosting;
using Parity.Runners;

namespace Parity.Silo;

/// <summary><c>parity-runner run</c>: the silo, its runner, and (standalone, or when asked) the co-hosted gateway.</summary>
public static class RunCommand
{
    /// <summary>The service.name of a silo's telemetry.</summary>
    public const string ServiceName = "parity-runner";

    public static async Task<int> RunAsync(string? configPath, CancellationToken cancellation)
    {
        var configuration = new ConfigurationBuilder().AddParitySources(configPath).Build();
        // What shapes the host is read before it is built; every room, these again, is validated once it is built.
        var cluster = configuration.ReadParityOptions<ClusteringOptions>();
        var gateway = configuration.ReadParityOptions<GatewayOptions>();
        var telemetry = configuration.ReadParityOptions<TelemetryOptions>();
        if (telemetry.SiloEndpointProblem(cluster.HostsGateway) is { } problem) throw new ConfigurationException(problem);
        SiloPorts.EnsureFree(cluster, cluster.HostsGateway ? gateway : null, telemetry.SiloMetricsUrls);

        IHost host;
        if (cluster.HostsGateway)
        {
            var builder = WebApplication.CreateBuilder();
            ConfigureSilo(builder, cluster, configuration);
            builder.WebHost.UseUrls([.. gateway.Urls]);
            builder.Services.AddParityGateway(configuration);
            builder.AddParityTelemetry(configuration, ServiceName, cluster.SiloName, scrape: true);
            var app = builder.Build();
            app.Services.ValidateParityOptions();
            app.MapParityGateway();
            app.MapParityMetrics(new MetricsAuth(telemetry.MetricsKey, gateway.ApiKey));
            app.MapParityDashboard();
            host = app;
        }
        else if (telemetry.SiloMetricsUrls.Count > 0)
        {
            // A silo with no gateway serves nothing over HTTP but Prometheus' scrapes, on their own URLs.
            var builder = WebApplication.CreateBuilder();
            ConfigureSilo(builder, cluster, configuration);
            builder.WebHost.UseUrls([.. telemetry.SiloMetricsUrls]);
            builder.AddParityTelemetry(configuration, ServiceName, cluster.SiloName, scrape: true);
            var app = builder.Build();
            app.Services.ValidateParityOptions();
            app.MapParityMetrics(new MetricsAuth(telemetry.MetricsKey, apiKey: null));
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            ConfigureSilo(builder, cluster, configuration);
            builder.AddParityTelemetry(configuration, ServiceName, cluster.SiloName, scrape: false);
            host = builder.Build();
            host.Services.ValidateParityOptions();
        }
        await RedisProbe.EnsureReachableAsync(cluster, cancellation);
        await host.StartAsync(cancellation);
        PrintWhereEverythingIs(host.Services);
        // The host's ShutdownTimeout only cancels a token that Orleans' stop does not always heed: the watchdog bounds
        // the exit itself, from whichever SIGTERM handler (the host's or the command line's) sees the signal first.
        using var watchdog = new ShutdownWatchdog(cluster.ShutdownTimeout, host.Services.GetRequiredService<RunnerLifecycle>().Unfinished);
        using var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(watchdog.Arm);
        using var cancelled = cancellation.Register(watchdog.Arm);
        await host.WaitForShutdownAsync(cancellation);
        return 0;
    }

    private static void ConfigureSilo(IHostApplicationBuilder builder, ClusteringOptions cluster, IConfiguration configuration)
    {
        builder.Logging.AddConsole(o => o.FormatterName = OneLineErrorsFormatter.Name)
            .AddConsoleFormatter<OneLineErrorsFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = cluster.ShutdownTimeout);
        // The dashboard's silo side: whichever process serves /dashboard reads it from every silo.
        builder.UseOrleans(silo => silo
            .AddParityCluster(cluster)
            .AddParityRunner(configuration)
            .AddDashboard());
    }

    /// <summary>What the started host runs with, as its services hold it (the silo's name as Orleans runs it).</summary>
    private static void PrintWhereEverythingIs(IServiceProvider services)
    {
        var cluster = services.GetRequiredService<ClusteringOptions>();
        var shell = services.GetRequiredService<ShellExecutorOptions>();
        var scheduling = services.GetRequiredService<SchedulingOptions>();
        Console.WriteLine($"Parity silo '{cluster.SiloName}' is up in cluster '{cluster.ClusterId}' ({cluster.Clustering} clustering)");
        Console.WriteLine($"  silo port {cluster.SiloPort}, client gateway port {cluster.SiloGatewayPort}");
        Console.WriteLine($"  shell tasks: {(shell.Enabled ? "enabled" : "disabled (RUNNER_SHELL_ENABLED=true enables them)")}; " +
                          $"slots: {scheduling.MaxConcurrentTasks}");
        if (!cluster.HostsGateway)
        {
            Console.WriteLine("  no gateway in this process (run Parity.Gateway against the same cluster)");
            var telemetry = services.GetRequiredService<TelemetryOptions>();
            foreach (var metrics in telemetry.SiloMetricsUrls)
                Console.WriteLine($"  metrics    {metrics.TrimEnd('/')}{ParityTelemetry.MetricsPath}   (Prometheus)");
            return;
        }
        var gateway = services.GetRequiredService<GatewayOptions>();
        var url = gateway.Urls[0].TrimEnd('/');
        Console.WriteLine($"  API        {url}/api/v1/tasks   (runners: {url}/api/v1/runners)");
        Console.WriteLine($"  webhook    {url}/webhook         ({WebhookMode(gateway)})");
        Console.WriteLine($"  dashboard  {url}/dashboard");
        Console.WriteLine($"  API docs   {url}/docs   (OpenAPI document: {url}/openapi/v1.json)");
        Console.WriteLine($"  health     {url}/health   (cluster summary: {url}/api/status)");
        Console.WriteLine($"  metrics    {url}{ParityTelemetry.MetricsPath}   (Prometheus)");
    }

    private static string WebhookMode(GatewayOptions gateway) =>
        gateway.WebhookSecret is not null ? "HMAC-signed requests only"
        : gateway.AllowUnsignedWebhooks ? "UNSIGNED requests accepted"
        : "disabled: set RUNNER_WEBHOOK_SECRET";
}
