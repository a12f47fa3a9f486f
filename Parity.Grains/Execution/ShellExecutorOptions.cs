namespace Parity.Execution;

/// <summary>Limits for shell (<c>command</c>) tasks on this runner. Bound from RUNNER_* settings.</summary>
public sealed record ShellExecutorOptions
{
    /// <summary>Shell tasks run only when enabled (RUNNER_SHELL_ENABLED, or the loopback-only standalone default).</summary>
    public bool Enabled { get; init; }
    /// <summary>Each attempt gets a fresh directory under this root, deleted afterwards (RUNNER_WORK_DIR).</summary>
    public string WorkRoot { get; init; } = Path.Combine(Path.GetTempPath(), "parity-work");
    /// <summary>Cap on stdout and on stderr, each (RUNNER_MAX_OUTPUT_BYTES).</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;
    /// <summary>Cap on any task's run time; a task's own timeout_seconds may only shorten it (RUNNER_EXECUTION_TIMEOUT).</summary>
    public TimeSpan ExecutionTimeout { get; init; } = TimeSpan.FromMinutes(30);
    /// <summary>Address-space limit of the child (RUNNER_SHELL_MEMORY_LIMIT).</summary>
    public long MemoryLimitBytes { get; init; } = 4L * 1024 * 1024 * 1024;
    /// <summary>Process limit of the child (RUNNER_SHELL_MAX_PROCESSES).</summary>
    public int MaxProcesses { get; init; } = 512;
    /// <summary>Largest file the child may write (RUNNER_SHELL_MAX_FILE_SIZE).</summary>
    public long MaxFileSizeBytes { get; init; } = 1024L * 1024 * 1024;
}
