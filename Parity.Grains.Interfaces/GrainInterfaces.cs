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

    /// <summary>Completes when the task has finished (or after <paramref name="maxWait"/>); returns the task.</summary>
    [AlwaysInterleave]
    Task<ParityTask?> WaitFinished(TimeSpan maxWait);

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
    /// <summary>Output so far of the task's attempt running here, or null when that attempt is not running here.</summary>
    Task<TaskLogs?> GetLiveOutput(string taskId, int attempt);
    /// <summary>
    /// The output of the task's attempt running here once its stdout is longer than <paramref name="stdoutChars"/>
    /// characters, the attempt ends, or <paramref name="maxWait"/> passes; null when that attempt is not running here
    /// (another attempt's output is never passed off as this one's).
    /// </summary>
    [AlwaysInterleave]
    Task<TaskLogs?> WaitLiveOutput(string taskId, int attempt, int stdoutChars, TimeSpan maxWait);
    /// <summary>Starts fetching an LLM model on this runner; progress goes to the model's grain. False when it cannot.</summary>
    Task<bool> PullModel(string model);
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

/// <summary>
/// One LLM model name as prompts request it (lower-cased): which runners serve it, warm or cold, where each prompt
/// goes, and the pull that brings it to a runner when none has it.
/// </summary>
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>Where a prompt for this model goes now; starts a pull when no runner has the model but one can fetch it.</summary>
    Task<Parity.Llm.LlmRoute> Route();
    /// <summary>The latest pull of this model, or null when none was needed.</summary>
    Task<Parity.Llm.LlmPullState?> GetPull();
    /// <summary>A runner reports the progress (or the end) of the pull this grain asked it for.</summary>
    [OneWay]
    Task ReportPull(Parity.Llm.LlmPullState state);
}

/// <summary>LLM usage of one client (key: client id): one record per prompt id, totals per model.</summary>
public interface ILlmUsageGrain : IGrainWithStringKey
{
    /// <summary>Adds the record to the totals once; a record whose prompt id was already counted changes nothing.</summary>
    Task Record(Parity.Llm.LlmUsageRecord record);
    Task<IReadOnlyList<Parity.Llm.LlmUsageTotals>> Totals();
}

/// <summary>The clients that have LLM usage (a single grain, key 0), so totals can be listed for all of them.</summary>
public interface ILlmClientsGrain : IGrainWithIntegerKey
{
    Task Add(string clientId);
    Task<IReadOnlyList<string>> All();
}
