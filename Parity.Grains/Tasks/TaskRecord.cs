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
    /// How many of the type's completion hooks (in their registration order) have already succeeded for this outcome,
    /// stored when a later one fails: a retry resumes after them, so a hook that reached the upstream server once (a
    /// result report) is not sent again because the next one (a model update) met a 5xx.
    /// </summary>
    [Id(9)] public int HooksRun { get; set; }
    /// <summary>
    /// The W3C trace context of the submission (null when nothing traces): dispatches run from the grain's timer, where
    /// no caller's context is current, and continue this trace so a request, its task and its runs are one trace.
    /// </summary>
    [Id(8)] public string? TraceParent { get; set; }
}
