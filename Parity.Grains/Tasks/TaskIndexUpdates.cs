using Parity.Hosting;

namespace Parity.Tasks;

/// <summary>
/// This silo's announcements to the task index shards (<see cref="ITaskIndexGrain.Update"/>): the summaries posted
/// while the silo is busy go to each shard together, one one-way call per shard and burst instead of one per change.
/// </summary>
/// <remarks>
/// Why: every submitted task announced itself to its shard with a message of its own, a sixth of what a task cost
/// under a burst of webhooks. Nothing waits for a batch to fill: the sender yields once to let the turns already queued
/// on this silo post theirs, then sends what is there. A silo's updates reach a shard in the order they were posted, as
/// before; an update lost with a silo is repaired by the shard's owners as before (a task re-announces itself when it is
/// read again, and the queue reconciles with every shard). The calls run on the thread pool, in no grain's turn.
/// </remarks>
public sealed class TaskIndexUpdates(IGrainFactory grains)
{
    private readonly Lock _gate = new();
    private Dictionary<int, List<TaskSummary>> _waiting = new();
    private bool _sending;

    /// <summary>Announces the task's summary to the shard that indexes it; returns at once.</summary>
    public void Post(TaskSummary task)
    {
        var shard = TaskIndex.ShardOf(task.Id);
        lock (_gate)
        {
            if (!_waiting.TryGetValue(shard, out var list)) _waiting[shard] = list = [];
            list.Add(task);
            if (_sending) return;
            _sending = true;
        }
        _ = Task.Run(Send);
    }

    private async Task Send()
    {
        while (true)
        {
            await Task.Yield();
            Dictionary<int, List<TaskSummary>> batch;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _sending = false;
                    return;
                }
                batch = _waiting;
                _waiting = new Dictionary<int, List<TaskSummary>>();
            }
            foreach (var (shard, tasks) in batch)
            {
                try
                {
                    grains.Reference<ITaskIndexGrain>(shard).Update(tasks).Ignore();
                }
                catch (Exception)
                {
                    // A call that cannot even be sent (the silo is stopping): the shard's repair covers it, as for a lost one.
                }
            }
        }
    }
}
