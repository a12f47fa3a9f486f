using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using Parity.Gateway;

namespace Parity.Tests.Support;

/// <summary>
/// A localhost silo with the Orleans dashboard that co-hosts the gateway, as <c>parity-runner run</c> maps it (gateway
/// routes, then the dashboard), on a free loopback port so a browser can load its pages.
/// </summary>
public sealed class DashboardGateway : IAsyncLifetime
{
    private WebApplication _app = null!;

    public HttpClient Http { get; private set; } = null!;
    public Uri BaseAddress { get; private set; } = null!;
    public IServiceProvider Services => _app.Services;

    public async Task InitializeAsync()
    {
        var values = new Dictionary<string, string?>
        {
            ["GATEWAY_API_KEY"] = GatewayHost.ApiKey,
            ["RUNNER_WEBHOOK_SECRET"] = GatewayHost.Secret,
        };
        var port = TestEngines.FreeTcpPort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls(BaseAddress.ToString());
        var clusterId = "docs-" + Guid.NewGuid().ToString("N")[..8];
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(TestEngines.FreeTcpPort(), TestEngines.FreeTcpPort(), serviceId: clusterId, clusterId: clusterId)
            .AddDashboard());
        builder.Services.AddParityGateway(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        _app = builder.Build();
        _app.MapParityGateway();
        _app.MapParityDashboard();
        await _app.StartAsync();
        Http = new HttpClient { BaseAddress = BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
