using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Execution;

/// <summary>
/// Reads the shell keys into <see cref="ShellExecutorOptions"/> (see <see cref="ConfigurationReader"/> for why not the
/// binder). Whether shell tasks are on by default depends on the clustering and gateway rooms.
/// </summary>
public sealed class ShellExecutorOptionsReader(
    ConfigurationReader read,
    IOptions<ClusteringOptions> clustering,
    IOptions<GatewayOptions> gateway) : IConfigureOptions<ShellExecutorOptions>
{
    public void Configure(ShellExecutorOptions options)
    {
        // Shell commands are host code execution: on by default only for the standalone, loopback-only, unsigned-free setup.
        var web = gateway.Value;
        var acceptsNetworkWork = clustering.Value.Clustering != ClusteringMode.Localhost || !web.BindsLoopbackOnly
            || web.AllowUnsignedWebhooks || web.WebhookSecret is not null
            // Network mode claims tasks an upstream server lists, and anyone can create those (UPSTREAM.md §15.2).
            || read.Raw("RUNNER_SERVER_URL") is not null;
        options.Enabled = read.OptionalBool("RUNNER_SHELL_ENABLED") ?? !acceptsNetworkWork;
        options.MaxOutputBytes = (int)read.Size("RUNNER_MAX_OUTPUT_BYTES", options.MaxOutputBytes, 1024, 256L * 1024 * 1024);
        options.ExecutionTimeout = read.Duration("RUNNER_EXECUTION_TIMEOUT", options.ExecutionTimeout,
            TimeSpan.FromSeconds(1), TimeSpan.FromDays(7));
        options.MemoryLimitBytes = read.Size("RUNNER_SHELL_MEMORY_LIMIT", options.MemoryLimitBytes, 16L << 20, 1L << 50);
        options.MaxProcesses = read.Int("RUNNER_SHELL_MAX_PROCESSES", options.MaxProcesses, 1, 1_000_000);
        options.MaxFileSizeBytes = read.Size("RUNNER_SHELL_MAX_FILE_SIZE", options.MaxFileSizeBytes, 1024, 1L << 50);
        options.CpuLimit = read.Double("RUNNER_SHELL_CPU_LIMIT", options.CpuLimit, 0.01, 1024);
        options.DiskLimitBytes = read.Size("RUNNER_SHELL_DISK_LIMIT", options.DiskLimitBytes, 1L << 20, 1L << 50);
        options.AllowNetwork = read.Bool("RUNNER_SHELL_ALLOW_NETWORK", options.AllowNetwork);
    }
}
