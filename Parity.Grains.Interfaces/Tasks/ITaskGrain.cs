using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Tasks;

/// <summary>One task, keyed by task id: its durable state machine, dispatch and lease.</summary>
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Stores and queues a new task; idempotent on the task id.</summary>
    Task<SubmitOutcome> Submit(ParityTask task);
    Task<ParityTask?> Get();
    Task<TaskResult?> GetResult();
    Task<TaskLogs?> GetLogs();
    Task<CancelOutcome> Cancel(string reason);

    /// <summary>
    /// Called by the runner while it works. Returns false when the attempt is no longer current (cancelled,
    /// superseded): the runner must stop.
    /// </summary>
    Task<bool> RenewLease(int attempt);

    /// <summary>Records the result of an attempt, once. A result of a superseded attempt is ignored.</summary>
    Task Complete(int attempt, TaskResult result);

    /// <summary>The runner gives the task back without a result (its silo is shutting down).</summary>
    Task Release(int attempt, string reason);

    /// <summary>Completes when the task has finished (or after <paramref name="maxWait"/>); returns the task.</summary>
    [AlwaysInterleave]
    Task<ParityTask?> WaitFinished(TimeSpan maxWait);

    /// <summary>Wakes the task so it re-checks its lease or dispatch (the cluster's sweep; keeps orphans moving).</summary>
    [OneWay]
    Task Poke(string? runnerWithFreeSlot);
}
