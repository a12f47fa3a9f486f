namespace Parity.Tasks;

/// <summary>A task grain's durable state.</summary>
[GenerateSerializer]
public sealed class TaskRecord
{
    [Id(0)] public ParityTask? Task { get; set; }
    [Id(1)] public TaskResult? Result { get; set; }
    /// <summary>Number of the current (or last) dispatch attempt; a runner's calls carry it.</summary>
    [Id(2)] public int Attempt { get; set; }
    /// <summary>Attempts lost to a lapsed lease: bounded by RUNNER_TASK_MAX_ATTEMPTS.</summary>
    [Id(3)] public int LapsedAttempts { get; set; }
    [Id(4)] public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>When the task last became pending, for RUNNER_DISPATCH_TIMEOUT.</summary>
    [Id(5)] public DateTimeOffset QueuedAt { get; set; }
    [Id(6)] public List<TaskEvent> Events { get; set; } = [];
    /// <summary>The type's completion hooks (an LLM prompt's usage metering) have all run for the result.</summary>
    [Id(7)] public bool HooksDone { get; set; }
    /// <summary>
    /// The W3C trace context of the submission (null when nothing traces): dispatches run from the grain's timer, where
    /// no caller's context is current, and continue this trace so a request, its task and its runs are one trace.
    /// </summary>
    [Id(8)] public string? TraceParent { get; set; }
}
