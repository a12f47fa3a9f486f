using Microsoft.Extensions.Options;

namespace Parity.Configuration;

/// <summary>Reads the scheduling keys into <see cref="SchedulingOptions"/> (see <see cref="ConfigurationReader"/> for why not the binder).</summary>
public sealed class SchedulingOptionsReader(ConfigurationReader read) : IConfigureOptions<SchedulingOptions>
{
    public void Configure(SchedulingOptions options)
    {
        options.MaxConcurrentTasks = read.Int("RUNNER_MAX_CONCURRENT_TASKS", options.MaxConcurrentTasks, 1, 1024);
        options.HeartbeatInterval = read.Duration("RUNNER_HEARTBEAT_INTERVAL", options.HeartbeatInterval,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5));
        options.LeaseDuration = read.Duration("RUNNER_LEASE_DURATION", options.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        options.MaxAttempts = read.Int("RUNNER_TASK_MAX_ATTEMPTS", options.MaxAttempts, 1, 100);
        options.DispatchTimeout = read.Duration("RUNNER_DISPATCH_TIMEOUT", options.DispatchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        options.QueueLimit = read.Int("TASK_QUEUE_LIMIT", options.QueueLimit, 1, 10_000_000);
    }
}
