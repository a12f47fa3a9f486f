using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Parity.Chain;
using Parity.Configuration;
using Parity.Execution;
using Parity.Execution.Docker;
using Parity.Llm;
using Parity.Network;
using Parity.Network.Tunnel;
using Parity.Storage;

namespace Parity.Hosting;

/// <summary>The options rooms a runner reads: the shared ones, and scheduling, shell, docker, LLM, datasets, the chain and the upstream network.</summary>
public static class ParityRunnerOptions
{
    public static IServiceCollection AddParityRunnerOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddParityOptions(configuration);
        services.AddParityOptions<SchedulingOptions, SchedulingOptionsReader>();
        services.AddParityOptions<RetentionOptions, RetentionOptionsReader>();
        services.AddParityOptions<ShellExecutorOptions, ShellExecutorOptionsReader>();
        services.AddParityOptions<DockerExecutorOptions, DockerExecutorOptionsReader>();
        services.AddParityOptions<LlmOptions, LlmOptionsReader>();
        services.AddParityOptions<DatasetOptions, DatasetOptionsReader>();
        services.AddParityOptions<ChainOptions, ChainOptionsReader>();
        services.AddParityOptions<RewardOptions, RewardOptionsReader>();
        services.AddParityOptions<UpstreamOptions, UpstreamOptionsReader, UpstreamOptionsValidator>()
            .PostConfigure(UpstreamOptionsReader.ResolveDeviceId);
        services.AddParityOptions<TunnelOptions, TunnelOptionsReader, TunnelOptionsValidator>();
        return services;
    }

    /// <summary>Reads one runner room where no host runs (the <c>models</c>, <c>balance</c> and <c>stake</c> commands).</summary>
    public static TOptions ReadRunnerOptions<TOptions>(this IConfiguration configuration) where TOptions : class
    {
        using var services = new ServiceCollection().AddParityRunnerOptions(configuration).BuildServiceProvider();
        return services.GetParityOptions<TOptions>();
    }
}
