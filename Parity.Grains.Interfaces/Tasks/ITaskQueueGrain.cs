using Orleans.Concurrency;

namespace Parity.Tasks;

/// <summary>
/// The cluster's unfinished tasks (a single grain, key 0): admission against TASK_QUEUE_LIMIT, exact; the pending
/// tasks in age order, offered to a runner that frees a slot; and the sweep that wakes tasks whose activation died
/// with a silo. It holds at most TASK_QUEUE_LIMIT small entries and does nothing slow: listing and counting go to the
/// index shards (<see cref="ITaskIndexGrain"/>), never through here.
/// </summary>
public interface ITaskQueueGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Admits each new task in order unless the queue of unfinished tasks is full at its turn; true for a task already
    /// admitted. A silo's submissions come batched (TaskAdmission): one call per burst, not one per task.
    /// </summary>
    Task<bool[]> TryAdmit(IReadOnlyList<TaskSummary> tasks);

    /// <summary>A task changed state; a finished one leaves the queue.</summary>
    [OneWay]
    Task Update(TaskSummary task);

    /// <summary>A runner freed slots: wake the oldest pending tasks that it may take, so queued work starts at once.</summary>
    [OneWay]
    Task SlotsFreed(string runner, int freeSlots);

    /// <summary>
    /// A shard's unfinished tasks, sent after every sweep: the queue adds what it missed (an update lost with a silo)
    /// and drops entries of that shard the shard no longer has unfinished.
    /// </summary>
    [OneWay]
    Task Reconcile(int shard, IReadOnlyList<TaskSummary> unfinished);

    /// <summary>How many tasks are unfinished (pending or running) now.</summary>
    [AlwaysInterleave]
    Task<int> Count();
}
