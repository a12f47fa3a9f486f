using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Hosting;
using Parity.Llm;

namespace Parity.Tests.Configuration;

/// <summary>Every options room a runner reads, resolved as a runner's container resolves them.</summary>
public sealed record RunnerRooms(
    ClusteringOptions Cluster,
    GatewayOptions Gateway,
    SchedulingOptions Scheduling,
    ShellExecutorOptions Shell,
    DockerExecutorOptions Docker,
    LlmOptions Llm,
    StorageOptions Storage,
    RetentionOptions Retention)
{
    public static RunnerRooms Read(IConfiguration configuration)
    {
        using var services = new ServiceCollection().AddParityRunnerOptions(configuration).BuildServiceProvider();
        return new RunnerRooms(
            services.GetParityOptions<ClusteringOptions>(),
            services.GetParityOptions<GatewayOptions>(),
            services.GetParityOptions<SchedulingOptions>(),
            services.GetParityOptions<ShellExecutorOptions>(),
            services.GetParityOptions<DockerExecutorOptions>(),
            services.GetParityOptions<LlmOptions>(),
            services.GetParityOptions<StorageOptions>(),
            services.GetParityOptions<RetentionOptions>());
    }
}
