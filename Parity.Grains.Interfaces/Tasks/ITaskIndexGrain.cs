using Orleans.Concurrency;
using Parity.Runners;
using Parity.Tasks;

namespace Parity.Tasks;

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
