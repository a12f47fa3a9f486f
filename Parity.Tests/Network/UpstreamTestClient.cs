using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parity.Hosting;
using Parity.Network;

namespace Parity.Tests.Network;

/// <summary>An <see cref="UpstreamClient"/> built the way a silo builds it, pointed at a test server, with short retry delays.</summary>
public sealed class UpstreamTestClient : IDisposable
{
    public const string Wallet = "0x1111111111111111111111111111111111111111";
    public const string Webhook = "http://127.0.0.1:5999/webhook";
    private readonly ServiceProvider _services;

    public UpstreamTestClient(Uri server, string deviceId = "device-a", int maxRetries = 3)
    {
        var configuration = Configuration(server);
        var services = new ServiceCollection().AddLogging().AddSingleton(TimeProvider.System);
        services.AddParityRunnerOptions(configuration);
        services.Configure<UpstreamOptions>(o =>
        {
            o.DeviceId = deviceId;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
            o.MaxRetries = maxRetries;
        });
        services.AddParityNetwork(configuration);
        _services = services.BuildServiceProvider();
    }

    public UpstreamClient Client => _services.GetRequiredService<UpstreamClient>();
    public UpstreamOptions Options => _services.GetRequiredService<UpstreamOptions>();

    public static IConfiguration Configuration(Uri server) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["RUNNER_SERVER_URL"] = server.ToString(),
        ["RUNNER_WALLET_ADDRESS"] = Wallet,
        ["RUNNER_WEBHOOK_URL"] = Webhook,
        ["RUNNER_SERVER_TIMEOUT"] = "2s",
    }).Build();

    public void Dispose() => _services.Dispose();
}
