using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Parity.Configuration;

namespace Parity.Execution.Docker;

/// <summary>
/// Reads RUNNER_DOCKER_* into <see cref="DockerExecutorOptions"/> (see <see cref="ConfigurationReader"/> for why not the
/// binder). The run itself shares the shell room's RUNNER_EXECUTION_TIMEOUT.
/// </summary>
public sealed partial class DockerExecutorOptionsReader(ConfigurationReader read, IOptions<ShellExecutorOptions> shell)
    : IConfigureOptions<DockerExecutorOptions>
{
    public void Configure(DockerExecutorOptions options)
    {
        if (read.Raw("RUNNER_DOCKER_HOST") is { } host)
            options.Host = Uri.TryCreate(host, UriKind.Absolute, out var uri) && uri.Scheme is "unix" or "tcp" or "http" or "https"
                ? uri
                : throw new ConfigurationException(
                    $"RUNNER_DOCKER_HOST must be a unix:///path/docker.sock or tcp://host:port address, got '{host}'");
        options.CpuLimit = read.Double("RUNNER_DOCKER_CPU_LIMIT", options.CpuLimit, 0.01, 1024);
        options.MemoryLimitBytes = read.Size("RUNNER_DOCKER_MEMORY_LIMIT", options.MemoryLimitBytes, DockerTaskConfig.MinMemoryBytes, 1L << 50);
        options.PidsLimit = read.Int("RUNNER_DOCKER_PIDS_LIMIT", options.PidsLimit, 8, 1_000_000);
        options.TmpfsBytes = read.Size("RUNNER_DOCKER_TMPFS_SIZE", options.TmpfsBytes, 1L << 20, 1L << 40);
        options.VolumeTmpfsBytes = read.Size("RUNNER_DOCKER_VOLUME_SIZE", options.VolumeTmpfsBytes, 1L << 20, 1L << 40);
        try
        {
            options.FetchAllow = FetchAddressPolicy.Parse(read.Raw(FetchAddressPolicy.AllowKey));
        }
        catch (FormatException e)
        {
            throw new ConfigurationException(e.Message);
        }
        options.User = read.String("RUNNER_DOCKER_USER", options.User, UserPattern(), "a user like 65534 or 65534:65534 or nobody");
        options.AllowNetwork = read.Bool("RUNNER_DOCKER_ALLOW_NETWORK", options.AllowNetwork);
        options.EngineTimeout = read.Duration("RUNNER_DOCKER_TIMEOUT", options.EngineTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromHours(6));
        options.ExecutionTimeout = shell.Value.ExecutionTimeout;
        options.MaxImageBytes = read.Size("RUNNER_DOCKER_MAX_IMAGE_SIZE", options.MaxImageBytes, 1L << 20, 1L << 50);
        options.PingInterval = read.Duration("RUNNER_DOCKER_PING_INTERVAL", options.PingInterval,
            TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1));
    }

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,31})?$")]
    private static partial Regex UserPattern();
}
