using System.CommandLine;
using Orleans.Dashboard;
using Parity.Configuration;
using Parity.Gateway;
using Parity.Gateway.Security;
using Parity.Gateway.Telemetry;
using Parity.Hosting;

var configPath = ParityCommandLine.ConfigPathOption();
var root = new RootCommand("Parity gateway: the cluster's HTTP front door (webhook, /api/v1, dashboard) as its own process");
root.Options.Add(configPath);
root.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(async () =>
{
    var configuration = new ConfigurationBuilder().AddParitySources(parse.GetValue(configPath)).Build();
    // What shapes the host is read before it is built; every room, these again, is validated once it is built.
    var cluster = configuration.ReadParityOptions<ClusteringOptions>();
    var gateway = configuration.ReadParityOptions<GatewayOptions>();
    var telemetry = configuration.ReadParityOptions<TelemetryOptions>();

    var builder = WebApplication.CreateBuilder();
    builder.WebHost.UseUrls([.. gateway.Urls]);
    builder.Logging.AddFilter("Orleans", LogLevel.Warning);
    builder.Logging.AddFilter("Polly", LogLevel.Warning);
    builder.UseOrleansClient(client => client.AddParityCluster(cluster).AddDashboard());
    builder.Services.AddParityGateway(configuration);
    builder.AddParityTelemetry(configuration, "parity-gateway", Environment.MachineName, scrape: true);

    var app = builder.Build();
    app.Services.ValidateParityOptions();
    app.MapParityGateway();
    app.MapParityMetrics(new MetricsAuth(telemetry.MetricsKey, gateway.ApiKey));
    app.MapParityDashboard();
    await RedisProbe.EnsureReachableAsync(cluster, cancellation);
    await app.StartAsync(cancellation);
    Console.WriteLine($"Parity gateway for cluster '{cluster.ClusterId}' ({cluster.Clustering}) on {string.Join(", ", gateway.Urls)}");
    await app.WaitForShutdownAsync(cancellation);
    return 0;
}));
return await ParityCommandLine.InvokeAsync(root, args);
