namespace Parity.Execution;

/// <summary>Limits for shell (<c>command</c>) tasks on this runner. Bound from RUNNER_* keys by <see cref="ShellExecutorOptionsReader"/>.</summary>
public sealed record ShellExecutorOptions
{
    /// <summary>The cap on a shell or docker task's run time unless RUNNER_EXECUTION_TIMEOUT sets another.</summary>
    public static readonly TimeSpan DefaultExecutionTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Shell tasks run only when enabled (RUNNER_SHELL_ENABLED, or the loopback-only standalone default).</summary>
    public bool Enabled { get; set; }
    /// <summary>Cap on stdout and on stderr, each (RUNNER_MAX_OUTPUT_BYTES).</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;
    /// <summary>Cap on any task's run time; a task's own timeout_seconds may only shorten it (RUNNER_EXECUTION_TIMEOUT).</summary>
    public TimeSpan ExecutionTimeout { get; set; } = DefaultExecutionTimeout;
    /// <summary>
    /// Memory of all the task's processes together, swap excluded, its tmpfs included: the task's cgroup limit
    /// (RUNNER_SHELL_MEMORY_LIMIT).
    /// </summary>
    public long MemoryLimitBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Processes and threads of the task together: the task's cgroup pids limit (RUNNER_SHELL_MAX_PROCESSES).</summary>
    public int MaxProcesses { get; set; } = 512;
    /// <summary>CPUs the task may use, a fraction allowed: the task's cgroup CPU quota (RUNNER_SHELL_CPU_LIMIT).</summary>
    public double CpuLimit { get; set; } = Environment.ProcessorCount;
    /// <summary>Largest file the task may write, an rlimit inside the sandbox (RUNNER_SHELL_MAX_FILE_SIZE).</summary>
    public long MaxFileSizeBytes { get; set; } = 1024L * 1024 * 1024;
    /// <summary>Size of the task's one writable tmpfs, which holds its work directory and /tmp (RUNNER_SHELL_DISK_LIMIT).</summary>
    public long DiskLimitBytes { get; set; } = 1024L * 1024 * 1024;
    /// <summary>Whether the task shares the host's network (RUNNER_SHELL_ALLOW_NETWORK); otherwise it has only its own loopback.</summary>
    public bool AllowNetwork { get; set; }
    /// <summary>The bubblewrap binary that builds the sandbox; not a key, tests point it elsewhere.</summary>
    public string SandboxTool { get; set; } = "/usr/bin/bwrap";
}
