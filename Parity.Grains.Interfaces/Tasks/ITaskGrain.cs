using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Tasks;

/// <summary>One task, keyed by task id: its durable state machine, dispatch and lease.</summary>
public interface ITaskGrain : IGrainWithStringKey
{
    /// <summary>Stores and queues a new task; idempotent on the task id.</summary>
    Task<SubmitOutcome> Submit(ParityTask task);
    /// <summary>Reads interleave, so a grain this task is calling (a completion hook's target) can still read it.</summary>
    [AlwaysInterleave]
    Task<ParityTask?> Get();
    [AlwaysInterleave]
    Task<TaskResult?> GetResult();
    Task<TaskLogs?> GetLogs();

    /// <summary>
    /// The stdout of <paramref name="attempt"/> from UTF-8 byte <paramref name="offset"/> on, pushed in pieces as its
    /// runner produces it, while that attempt is the task's running one; it ends when the attempt ends on its runner
    /// (or the runner is lost), and is empty when that attempt is not running. A re-dispatch is a new attempt: ask
    /// again with its number (from <see cref="Get"/>); pieces always carry the attempt that produced them.
    /// </summary>
    IAsyncEnumerable<LiveOutputPiece> LiveOutput(int attempt, long offset, CancellationToken cancellation = default);
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

    /// <summary>
    /// Its index shard expires the finished task (RESULT_RETENTION or RESULT_RETENTION_COUNT): the task, its result and
    /// its stored output are deleted, and the id is unknown from then on. An unfinished task, or one whose completion
    /// hooks have not all run, is kept and put back in the index.
    /// </summary>
    [OneWay]
    Task Expire();

    /// <summary>Wakes the task so it re-checks its lease or dispatch (the cluster's sweep; keeps orphans moving).</summary>
    [OneWay]
    Task Poke(string? runnerWithFreeSlot);
}
