using Orleans.Dashboard;
using Parity.Configuration;
using Parity.Gateway;
using Parity.Hosting;

namespace Parity.Silo;

/// <summary><c>parity-runner run</c>: the silo, its runner, and (standalone, or when asked) the co-hosted gateway.</summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(string? configPath, CancellationToken cancellation)
    {
        var configuration = new ConfigurationBuilder().AddParitySources(configPath).Build();
        var settings = ParitySettings.Load(configuration);

        IHost host;
        if (settings.SiloHostsGateway)
        {
            var builder = WebApplication.CreateBuilder();
            ConfigureSilo(builder, settings);
            builder.WebHost.UseUrls([.. settings.Gateway.Urls]);
            builder.Services.AddParityGateway(settings);
            var app = builder.Build();
            app.MapParityGateway();
            app.MapOrleansDashboard(routePrefix: "/dashboard");
            host = app;
        }
        else
        {
            var builder = Host.CreateApplicationBuilder();
            ConfigureSilo(builder, settings);
            host = builder.Build();
        }
        await host.StartAsync(cancellation);
        PrintWhereEverythingIs(settings);
        await host.WaitForShutdownAsync(cancellation);
        return 0;
    }

    private static void ConfigureSilo(IHostApplicationBuilder builder, ParitySettings settings)
    {
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        // The dashboard's silo side: whichever process serves /dashboard reads it from every silo.
        builder.UseOrleans(silo => silo
            .AddParityCluster(settings.Cluster)
            .AddParityRunner(settings)
            .AddDashboard());
    }

    private static void PrintWhereEverythingIs(ParitySettings settings)
    {
        var cluster = settings.Cluster;
        Console.WriteLine($"Parity silo '{cluster.SiloName}' is up in cluster '{cluster.ClusterId}' ({cluster.Clustering} clustering)");
        Console.WriteLine($"  silo port {cluster.SiloPort}, client gateway port {cluster.SiloGatewayPort}");
        Console.WriteLine($"  shell tasks: {(settings.Shell.Enabled ? "enabled" : "disabled (RUNNER_SHELL_ENABLED=true enables them)")}; " +
                          $"slots: {settings.Scheduling.MaxConcurrentTasks}");
        if (!settings.SiloHostsGateway)
        {
            Console.WriteLine("  no gateway in this process (run Parity.Gateway against the same cluster)");
            return;
        }
        var url = settings.Gateway.Urls[0].TrimEnd('/');
        Console.WriteLine($"  API        {url}/api/v1/tasks   (runners: {url}/api/v1/runners)");
        Console.WriteLine($"  webhook    {url}/webhook         ({WebhookMode(settings.Gateway)})");
        Console.WriteLine($"  dashboard  {url}/dashboard");
        Console.WriteLine($"  OpenAPI    {url}/openapi/v1.json");
        Console.WriteLine($"  health     {url}/health");
    }

    private static string WebhookMode(GatewaySettings gateway) =>
        gateway.WebhookSecret is not null ? "HMAC-signed requests only"
        : gateway.AllowUnsignedWebhooks ? "UNSIGNED requests accepted"
        : "disabled: set RUNNER_WEBHOOK_SECRET";
}
