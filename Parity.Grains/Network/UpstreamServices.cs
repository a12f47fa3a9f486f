using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Network.Tunnel;
using Parity.Tasks;
using Polly;

namespace Parity.Network;

/// <summary>The Network room on a silo (its options are a runner room): with RUNNER_SERVER_URL set, the client, the report hooks, the tunnel and the lifecycle.</summary>
public static class UpstreamServices
{
    public static IServiceCollection AddParityNetwork(this IServiceCollection services, IConfiguration configuration)
    {
        // Decided when the host is built: a standalone cluster gets no report hook, so its tasks owe nothing upstream.
        if (new ConfigurationReader(configuration).Raw("RUNNER_SERVER_URL") is null) return services;

        services.AddHttpClient<UpstreamClient>(http =>
            {
                // The resilience pipeline bounds each attempt; HttpClient's own timeout would cut the retries short.
                http.Timeout = Timeout.InfiniteTimeSpan;
                http.MaxResponseContentBufferSize = UpstreamClient.MaxResponseBytes;
            })
            .AddResilienceHandler("upstream", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<UpstreamOptions>();
                // Connection failures, timeouts, 408, 429 and 5xx (the strategy's default): every upstream route is
                // an upsert or a read, so a repeat is harmless.
                if (options.MaxRetries > 0)
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = options.RetryDelay,
                    });
                pipeline.AddTimeout(options.RequestTimeout);
            });
        // After every other completion hook (see UpstreamReportHook): one per task type.
        foreach (var type in Enum.GetValues<TaskType>())
            services.AddSingleton<ITaskFinishedHook>(sp => new UpstreamReportHook(type, sp, sp.GetRequiredService<ILogger<UpstreamReportHook>>()));
        // After the result's report, as the reference orders them: a federated task's update for the server's session.
        services.AddSingleton<ITaskFinishedHook>(sp => new UpstreamModelUpdateHook(sp, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<UpstreamModelUpdateHook>>()));
        services.AddSingleton(_ => new HostLoad());
        // The URL registered: as configured, or the tunnel's once it is up (the tunnel service sets it).
        services.AddSingleton(sp => new WebhookAddress(
            sp.GetRequiredService<TunnelOptions>().Opens ? null : sp.GetRequiredService<UpstreamOptions>().WebhookUrl));
        services.AddSingleton<TunnelState>();
        services.AddHostedService<TunnelService>();
        services.AddHealthChecks().AddCheck<TunnelHealthCheck>("tunnel");
        services.AddSingleton<UpstreamLifecycle>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<UpstreamLifecycle>());
        return services;
    }
}
