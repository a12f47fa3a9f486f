namespace Parity.Execution;

/// <summary>Limits for shell (<c>command</c>) tasks on this runner. Bound from RUNNER_* keys by <see cref="ShellExecutorOptionsReader"/>.</summary>
public sealed record ShellExecutorOptions
{
    /// <summary>The cap on a shell or docker task's run time unless RUNNER_EXECUTION_TIMEOUT sets another.</summary>
    public static readonly TimeSpan DefaultExecutionTimeout = TimeSpan.FromMinutes(30);

    /// <summary>Shell tasks run only when enabled (RUNNER_SHELL_ENABLED, or the loopback-only standalone default).</summary>
    public bool Enabled { get; set; }
    /// <summary>Each attempt gets a fresh directory under this root, deleted afterwards (RUNNER_WORK_DIR).</summary>
    public string WorkRoot { get; set; } = Path.Combine(Path.GetTempPath(), "parity-work");
    /// <summary>Cap on stdout and on stderr, each (RUNNER_MAX_OUTPUT_BYTES).</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;
    /// <summary>Cap on any task's run time; a task's own timeout_seconds may only shorten it (RUNNER_EXECUTION_TIMEOUT).</summary>
    public TimeSpan ExecutionTimeout { get; set; } = DefaultExecutionTimeout;
    /// <summary>Address-space limit of the child (RUNNER_SHELL_MEMORY_LIMIT).</summary>
    public long MemoryLimitBytes { get; set; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Process limit of the child (RUNNER_SHELL_MAX_PROCESSES).</summary>
    public int MaxProcesses { get; set; } = 512;
    /// <summary>Largest file the child may write (RUNNER_SHELL_MAX_FILE_SIZE).</summary>
    public long MaxFileSizeBytes { get; set; } = 1024L * 1024 * 1024;
}
