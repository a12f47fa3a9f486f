using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity;

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

    /// <summary>Wakes the task so it re-checks its lease or dispatch (the cluster's sweep; keeps orphans moving).</summary>
    [OneWay]
    Task Poke(string? runnerWithFreeSlot);
}

/// <summary>One silo's runner, keyed by silo name and placed on that silo.</summary>
public interface IRunnerGrain : IGrainWithStringKey
{
    /// <summary>Takes the task if the runner can run its type and has a free slot; execution starts at once.</summary>
    Task<bool> TryStart(ParityTask task, int attempt);
    Task Cancel(string taskId, int attempt);
    Task<RunnerInfo> GetInfo();
    /// <summary>Output so far of a task running here, or null.</summary>
    Task<TaskLogs?> GetLiveOutput(string taskId);
    /// <summary>Publishes this runner's state to the directory; the silo calls it on a timer.</summary>
    Task Heartbeat();
    /// <summary>The silo is stopping: take no more tasks and show offline at once.</summary>
    Task GoOffline();
}

/// <summary>The cluster's runner directory (a single grain, key 0): the latest heartbeat of every runner.</summary>
public interface IRunnerDirectoryGrain : IGrainWithIntegerKey
{
    Task Heartbeat(RunnerInfo runner);
    /// <summary>All runners, with <see cref="RunnerStatus.Offline"/> for those whose heartbeat is stale.</summary>
    Task<IReadOnlyList<RunnerInfo>> GetRunners();
}

/// <summary>The cluster's task index (a single grain, key 0): admission against the queue limit, listing, counts.</summary>
public interface ITaskIndexGrain : IGrainWithIntegerKey
{
    /// <summary>Admits a new task unless the queue of unfinished tasks is full.</summary>
    Task<bool> TryAdmit(TaskSummary task);
    [OneWay]
    Task Update(TaskSummary task);
    Task<TaskPage> List(TaskState? status, int offset, int limit);
    /// <summary>A runner freed slots: wake the oldest pending tasks that it may take, so queued work starts at once.</summary>
    [OneWay]
    Task SlotsFreed(string runner, int freeSlots);
    Task<TaskCounts> Counts();
}
