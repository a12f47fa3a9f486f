using System.Globalization;
using Docker.DotNet.Models;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// Creates a task's container in a default-deny sandbox: no network, memory (and swap) and CPU bounded by the
/// runner's limits, a pids limit, a read-only root with a tmpfs /tmp, a non-root user, no capabilities,
/// no-new-privileges and the engine's default seccomp profile.
/// </summary>
internal sealed class ContainerSandbox(DockerEngine engine, DockerExecutorOptions options)
{
    /// <summary>Creates the container (not started) and returns its id.</summary>
    public async Task<string> CreateAsync(TaskRun run, DockerTaskConfig config, ImageInspectResponse image,
        CancellationToken cancellation)
    {
        var task = run.Task;
        var memory = config.MemoryBytes ?? options.MemoryLimitBytes;
        var cpus = config.Cpus ?? options.CpuLimit;
        var parameters = new CreateContainerParameters
        {
            Name = $"parity-{SafeName.Of(task.Id)}-{Guid.NewGuid().ToString("N")[..8]}",
            // The inspected id, not the name: the name could be re-tagged between inspect and create.
            Image = image.ID,
            Cmd = config.Command.Count > 0 ? config.Command.ToList() : null,
            Env = [.. config.Env, $"TASK_NONCE={task.Nonce}", $"PARITY_TASK_ID={task.Id}"],
            WorkingDir = config.WorkingDir,
            User = options.User,
            Labels = engine.Labels(task.Id, run.Attempt),
            AttachStdout = true,
            AttachStderr = true,
            Tty = false,
            OpenStdin = false,
            NetworkDisabled = config.Network == DockerTaskConfig.NoNetwork,
            HostConfig = new HostConfig
            {
                NetworkMode = config.Network,
                Memory = memory,
                MemorySwap = memory,
                NanoCPUs = (long)(cpus * 1e9),
                PidsLimit = options.PidsLimit,
                ReadonlyRootfs = true,
                Tmpfs = new Dictionary<string, string>
                {
                    ["/tmp"] = string.Create(CultureInfo.InvariantCulture, $"rw,nosuid,nodev,mode=1777,size={options.TmpfsBytes}"),
                },
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                // Output is read from the attach stream; the engine keeps no log file a task could fill the disk with.
                LogConfig = new LogConfig { Type = "none" },
            },
        };
        var created = await EngineCalls.BoundedAsync(options.EngineTimeout, "creating the container",
            ct => engine.Client.Containers.CreateContainerAsync(parameters, ct), cancellation);
        return created.ID;
    }
}
