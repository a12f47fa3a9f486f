using Microsoft.Extensions.DependencyInjection;
using Parity.Network;
using Parity.Tests.Support;

namespace Parity.Tests.Network;

/// <summary>The silo settings the network-mode cluster tests share.</summary>
public static class NetworkTestSilo
{
    /// <summary>
    /// Runs as <paramref name="device"/>, with quick retries of the upstream calls (20 ms, twice: the test server's
    /// failures are counted, not waited out); <paramref name="redisReminders"/>: reminders that outlive a silo, as a
    /// Redis cluster's do (the test cluster's default keeps them in memory).
    /// </summary>
    public static void Configure(ISiloBuilder silo, string device, bool redisReminders = false)
    {
        silo.Services.Configure<UpstreamOptions>(o =>
        {
            o.DeviceId = device;
            o.RetryDelay = TimeSpan.FromMilliseconds(20);
            o.MaxRetries = 2;
        });
        if (redisReminders)
            silo.UseRedisReminderService(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(TestEngines.Redis));
    }
}
