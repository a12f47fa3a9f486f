using System.Globalization;
using Docker.DotNet.Models;
using Parity.Tasks;

namespace Parity.Execution.Docker;

/// <summary>
/// Creates a task's container in a default-deny sandbox: no network, memory (and swap) and CPU bounded by the
/// runner's limits, a pids limit, a read-only root with a tmpfs /tmp, a non-root user, no capabilities,
/// no-new-privileges and the engine's default seccomp profile. Every VOLUME the image declares gets a size-limited tmpfs
/// (RUNNER_DOCKER_VOLUME_SIZE) in its place: the engine would otherwise create an unbounded writable anonymous volume
/// there, a way around the read-only root onto the engine's disk. The image's own files under such a path are hidden.
/// </summary>
internal sealed class ContainerSandbox(DockerEngine engine, DockerExecutorOptions options, ContainerControl control)
{
    /// <summary>An image declaring more volumes than this is refused (each is a mount the engine must set up).</summary>
    public const int MaxVolumes = 32;

    /// <summary>
    /// Creates the container (not started) and returns its id. The task's cancellation does not cut the create call
    /// short: the engine may already have made the container when the cancellation lands, and a call abandoned then never
    /// learns the id, so nothing would remove the container (a silo stopping mid-create left it running). The call is
    /// short and bounded by RUNNER_DOCKER_TIMEOUT; the caller checks for cancellation once it holds the id.
    /// </summary>
    public async Task<string> CreateAsync(TaskRun run, DockerTaskConfig config, ImageInspectResponse image)
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
                Tmpfs = Tmpfs(image),
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                // Output is read from the attach stream; the engine keeps no log file a task could fill the disk with.
                LogConfig = new LogConfig { Type = "none" },
            },
        };
        try
        {
            var created = await EngineCalls.BoundedAsync(options.EngineTimeout, "creating the container",
                ct => engine.Client.Containers.CreateContainerAsync(parameters, ct), CancellationToken.None);
            return created.ID;
        }
        catch (Exception e) when (e is DockerTaskException or IOException or HttpRequestException)
        {
            // No answer (timed out, connection lost): the engine may have made the container all the same. Its name is
            // ours, so remove it by that; what even this misses, the silo's orphan sweep removes.
            await control.RemoveAsync(task.Id, parameters.Name);
            throw;
        }
    }

    /// <summary>/tmp, and one tmpfs over each VOLUME the image declares (the engine makes no anonymous volume where a tmpfs is).</summary>
    private Dictionary<string, string> Tmpfs(ImageInspectResponse image)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["/tmp"] = string.Create(CultureInfo.InvariantCulture, $"rw,nosuid,nodev,mode=1777,size={options.TmpfsBytes}"),
        };
        var volumes = image.Config?.Volumes?.Keys ?? [];
        if (volumes.Count > MaxVolumes)
            throw new DockerTaskException($"image declares {volumes.Count} volumes; this runner mounts at most {MaxVolumes}");
        foreach (var volume in volumes)
        {
            // The engine keys its mounts by the cleaned path; a differently spelled key would not replace the volume.
            var path = "/" + string.Join('/', volume.Split('/', StringSplitOptions.RemoveEmptyEntries));
            if (path == "/" || path.Split('/').Contains(".."))
                throw new DockerTaskException($"image declares a VOLUME at '{volume}', which this runner does not mount");
            mounts.TryAdd(path, string.Create(CultureInfo.InvariantCulture,
                $"rw,nosuid,nodev,mode=1777,size={options.VolumeTmpfsBytes}"));
        }
        return mounts;
    }
}
