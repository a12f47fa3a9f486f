namespace Parity.Configuration;

/// <summary>How the cluster schedules tasks (RUNNER_* scheduling keys, TASK_QUEUE_LIMIT).</summary>
public sealed record SchedulingOptions
{
    /// <summary>Task slots of this runner (RUNNER_MAX_CONCURRENT_TASKS).</summary>
    public int MaxConcurrentTasks { get; set; } = Environment.ProcessorCount;
    /// <summary>How often each runner announces itself (RUNNER_HEARTBEAT_INTERVAL).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>A running task's lease, renewed every third of it (RUNNER_LEASE_DURATION).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Lost attempts before a task fails (RUNNER_TASK_MAX_ATTEMPTS).</summary>
    public int MaxAttempts { get; set; } = 3;
    /// <summary>How long a task waits for a runner that can take it (RUNNER_DISPATCH_TIMEOUT).</summary>
    public TimeSpan DispatchTimeout { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Unfinished tasks the cluster holds before submissions are refused (TASK_QUEUE_LIMIT).</summary>
    public int QueueLimit { get; set; } = 100_000;

    /// <summary>A runner whose last heartbeat is older than this shows offline.</summary>
    public TimeSpan OfflineAfter => HeartbeatInterval * 3;

    /// <summary>
    /// How long no online runner must be able to take a task before it fails for that reason: an offline window, and
    /// never under five seconds, so a loaded runner whose heartbeat or engine ping came late once does not fail a task
    /// it would have taken a moment later.
    /// </summary>
    public TimeSpan UnroutableAfter => OfflineAfter > TimeSpan.FromSeconds(5) ? OfflineAfter : TimeSpan.FromSeconds(5);
}
