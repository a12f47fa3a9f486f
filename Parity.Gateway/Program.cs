using System.CommandLine;
using Orleans.Dashboard;
using Parity.Configuration;
using Parity.Gateway;
using Parity.Hosting;

var configPath = ParityCommandLine.ConfigPathOption();
var root = new RootCommand("Parity gateway: the cluster's HTTP front door (webhook, /api/v1, dashboard) as its own process");
root.Options.Add(configPath);
root.SetAction((parse, cancellation) => ParityCommandLine.GuardAsync(async () =>
{
    var configuration = new ConfigurationBuilder().AddParitySources(parse.GetValue(configPath)).Build();
    var settings = ParitySettings.Load(configuration);

    var builder = WebApplication.CreateBuilder();
    builder.WebHost.UseUrls([.. settings.Gateway.Urls]);
    builder.Logging.AddFilter("Orleans", LogLevel.Warning);
    builder.Logging.AddFilter("Polly", LogLevel.Warning);
    builder.UseOrleansClient(client => client.AddParityCluster(settings.Cluster).AddDashboard());
    builder.Services.AddParityGateway(settings);

    var app = builder.Build();
    app.MapParityGateway();
    app.MapOrleansDashboard(routePrefix: "/dashboard");
    await app.StartAsync(cancellation);
    Console.WriteLine($"Parity gateway for cluster '{settings.Cluster.ClusterId}' ({settings.Cluster.Clustering}) on {string.Join(", ", settings.Gateway.Urls)}");
    await app.WaitForShutdownAsync(cancellation);
    return 0;
}));
return await root.Parse(args).InvokeAsync();
