using Orleans.Concurrency;

namespace Parity.Tasks;

/// <summary>
/// One shard of the cluster's task index, keyed by shard number (0 to <see cref="TaskIndex.Shards"/> − 1): the
/// summaries of the tasks whose ids hash to it, for listing and counting, and the expiry of its finished tasks
/// (RESULT_RETENTION, RESULT_RETENTION_COUNT). Admission is not here: see <see cref="ITaskQueueGrain"/>.
/// </summary>
public interface ITaskIndexGrain : IGrainWithIntegerKey
{
    /// <summary>Tasks of this shard changed, oldest change first; a silo sends its changes batched (TaskIndexUpdates).</summary>
    [OneWay]
    Task Update(IReadOnlyList<TaskSummary> tasks);

    /// <summary>
    /// This shard's newest <paramref name="count"/> tasks (optionally of one status), newest first, and in
    /// <see cref="TaskPage.Total"/> how many it holds of that status.
    /// </summary>
    [AlwaysInterleave]
    Task<TaskPage> Newest(TaskState? status, int count);

    [AlwaysInterleave]
    Task<TaskCounts> Counts();

    /// <summary>This shard's unfinished tasks: what the task queue rebuilds itself from.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<TaskSummary>> Unfinished();
}
