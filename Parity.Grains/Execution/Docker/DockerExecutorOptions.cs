namespace Parity.Execution.Docker;

/// <summary>
/// The container engine and the sandbox limits for <c>docker</c> tasks on this runner (RUNNER_DOCKER_*), bound by
/// <see cref="DockerExecutorOptionsReader"/>.
/// </summary>
public sealed record DockerExecutorOptions
{
    /// <summary>The engine's API socket (RUNNER_DOCKER_HOST); DOCKER_HOST is deliberately not read.</summary>
    public Uri Host { get; set; } = new("unix:///var/run/docker.sock");
    /// <summary>Most CPUs one task may use, and the default when it asks for none (RUNNER_DOCKER_CPU_LIMIT).</summary>
    public double CpuLimit { get; set; } = Environment.ProcessorCount;
    /// <summary>Most memory (and memory+swap) one task may use, and the default (RUNNER_DOCKER_MEMORY_LIMIT).</summary>
    public long MemoryLimitBytes { get; set; } = 2L << 30;
    /// <summary>Most processes and threads inside one container (RUNNER_DOCKER_PIDS_LIMIT).</summary>
    public int PidsLimit { get; set; } = 256;
    /// <summary>Size of the writable tmpfs at /tmp; the root filesystem is read-only (RUNNER_DOCKER_TMPFS_SIZE).</summary>
    public long TmpfsBytes { get; set; } = 64L << 20;
    /// <summary>
    /// Size of the tmpfs mounted over each VOLUME an image declares (RUNNER_DOCKER_VOLUME_SIZE), in place of the
    /// unbounded anonymous volume the engine would create. Like /tmp it is memory: the container's memory limit bounds
    /// all of them together.
    /// </summary>
    public long VolumeTmpfsBytes { get; set; } = 64L << 20;
    /// <summary>Addresses a task's docker_image_url and image registry may reach beyond public ones (RUNNER_DOCKER_FETCH_ALLOW).</summary>
    public FetchAddressPolicy FetchAllow { get; set; } = FetchAddressPolicy.Default;
    /// <summary>User the task runs as inside the container (RUNNER_DOCKER_USER); never root by default.</summary>
    public string User { get; set; } = "65534:65534";
    /// <summary>Whether a task may ask for a network other than <c>none</c> (RUNNER_DOCKER_ALLOW_NETWORK).</summary>
    public bool AllowNetwork { get; set; }
    /// <summary>Bound on each engine operation: ping, pull, image download and load, create, remove (RUNNER_DOCKER_TIMEOUT).</summary>
    public TimeSpan EngineTimeout { get; set; } = TimeSpan.FromMinutes(5);
    /// <summary>Bound on the run itself (RUNNER_EXECUTION_TIMEOUT); a task's timeout_seconds may only shorten it.</summary>
    public TimeSpan ExecutionTimeout { get; set; } = ShellExecutorOptions.DefaultExecutionTimeout;
    /// <summary>Largest image tar accepted from docker_image_url (RUNNER_DOCKER_MAX_IMAGE_SIZE).</summary>
    public long MaxImageBytes { get; set; } = 4L << 30;
    /// <summary>How often the engine is pinged to keep the runner's docker capability true (RUNNER_DOCKER_PING_INTERVAL).</summary>
    public TimeSpan PingInterval { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Grace between SIGTERM and SIGKILL when a run times out.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(2);
}
