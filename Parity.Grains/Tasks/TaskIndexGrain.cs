using Parity.Hosting;
using Parity.Configuration;

namespace Parity.Tasks;

/// <summary>
/// One shard of the task index (see <see cref="ITaskIndexGrain"/>). Entries are kept sorted as they change, so a page
/// costs its own length and counting never scans. Writes are batched (at most one per <see cref="FlushInterval"/>); an
/// entry lost to a crash in that window comes back when its task next activates (every task re-announces itself
/// then), and the task queue learns this shard's unfinished tasks after every sweep.
/// </summary>
[IndexShardPlacement]
public sealed class TaskIndexGrain(
    [PersistentState("task-index", ParityStorage.Name)] IPersistentState<TaskIndexRecord> state,
    SchedulingOptions scheduling,
    RetentionOptions retention,
    TimeProvider clock) : Grain, ITaskIndexGrain, IRemindable
{
    /// <summary>
    /// A write stores the whole shard, so under a burst the interval sets the cost: at one a second, 20,000 indexed tasks
    /// cost 2 MB of serialization a second across the shards. Unfinished entries lost in the window come back from
    /// their tasks; a finished one is listed again when its task is next read.
    /// </summary>
    private static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);

    private bool _dirty;
    private readonly SortedSet<TaskSummary> _all = new(TaskIndex.NewestFirst);
    private readonly Dictionary<TaskState, SortedSet<TaskSummary>> _byStatus =
        Enum.GetValues<TaskState>().ToDictionary(s => s, _ => new SortedSet<TaskSummary>(TaskIndex.NewestFirst));
    /// <summary>Finished tasks, the first to finish first: the order in which they expire.</summary>
    private readonly SortedSet<(DateTimeOffset FinishedAt, string Id)> _finished = new();

    private Dictionary<string, TaskSummary> Tasks => state.State.Tasks;
    private int Shard => (int)this.GetPrimaryKeyLong();
    /// <summary>This shard's share of RESULT_RETENTION_COUNT, rounded up.</summary>
    private int MaxFinished => (retention.MaxFinished + TaskIndex.Shards - 1) / TaskIndex.Shards;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // An index stored before it was sharded is all in shard 0: each entry goes to its own shard once.
        foreach (var strays in Tasks.Values.Where(t => TaskIndex.ShardOf(t.Id) != Shard).GroupBy(t => TaskIndex.ShardOf(t.Id)).ToList())
        {
            GrainFactory.Reference<ITaskIndexGrain>(strays.Key).Update(strays.ToList()).Ignore();
            foreach (var stray in strays) Tasks.Remove(stray.Id);
            _dirty = true;
        }
        foreach (var task in Tasks.Values) Indexed(task);
        this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions { DueTime = FlushInterval, Period = FlushInterval });
        this.RegisterGrainTimer(ExpireOld, new GrainTimerCreationOptions
        {
            DueTime = retention.ExpiryPeriod, Period = retention.ExpiryPeriod, KeepAlive = true,
        });
        this.RegisterGrainTimer(Reconcile, new GrainTimerCreationOptions
        {
            DueTime = scheduling.LeaseDuration, Period = scheduling.LeaseDuration, KeepAlive = true,
        });
        // The reminder brings the shard (and so its expiry and reconciliation) back after its silo died.
        await this.RegisterOrUpdateReminder("sweep", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await state.WriteStateAsync(cancellationToken);
    }

    public Task Update(IReadOnlyList<TaskSummary> tasks)
    {
        foreach (var task in tasks) Update(task);
        return Task.CompletedTask;
    }

    private void Update(TaskSummary task)
    {
        if (Tasks.TryGetValue(task.Id, out var known))
        {
            // Updates may arrive out of order (one-way calls): never move a finished task back.
            if (known.Status.IsTerminal() && !task.Status.IsTerminal()) return;
            Unindexed(known);
        }
        Tasks[task.Id] = task;
        Indexed(task);
        _dirty = true;
    }

    public Task<TaskPage> Newest(TaskState? status, int count)
    {
        var set = status is { } s ? _byStatus[s] : _all;
        return Task.FromResult(new TaskPage { Tasks = set.Take(count).ToList(), Total = set.Count, Offset = 0, Limit = count });
    }

    public Task<TaskCounts> Counts() => Task.FromResult(new TaskCounts
    {
        Pending = _byStatus[TaskState.Pending].Count,
        Running = _byStatus[TaskState.Running].Count,
        Completed = _byStatus[TaskState.Completed].Count,
        Failed = _byStatus[TaskState.Failed].Count,
        Cancelled = _byStatus[TaskState.Cancelled].Count,
        Expired = state.State.Expired,
    });

    public Task<IReadOnlyList<TaskSummary>> Unfinished() => Task.FromResult<IReadOnlyList<TaskSummary>>(UnfinishedTasks());

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private List<TaskSummary> UnfinishedTasks() =>
        [.. _byStatus[TaskState.Pending], .. _byStatus[TaskState.Running]];

    private void Indexed(TaskSummary task)
    {
        _all.Add(task);
        _byStatus[task.Status].Add(task);
        if (task.Status.IsTerminal()) _finished.Add((task.UpdatedAt, task.Id));
    }

    private void Unindexed(TaskSummary task)
    {
        _all.Remove(task);
        _byStatus[task.Status].Remove(task);
        if (task.Status.IsTerminal()) _finished.Remove((task.UpdatedAt, task.Id));
    }

    private async Task Flush()
    {
        // The count cap is kept at every flush, so a burst of finished tasks never holds more than a flush's worth extra.
        while (_finished.Count > MaxFinished) Expire(_finished.Min.Id);
        if (!_dirty) return;
        _dirty = false;
        await state.WriteStateAsync();
    }

    private Task ExpireOld()
    {
        var cutoff = clock.GetUtcNow() - retention.Retention;
        while (_finished.Count > 0 && _finished.Min.FinishedAt < cutoff) Expire(_finished.Min.Id);
        return Task.CompletedTask;
    }

    /// <summary>Drops the entry and has the task delete itself; a task that cannot go yet announces itself again.</summary>
    private void Expire(string id)
    {
        Unindexed(Tasks[id]);
        Tasks.Remove(id);
        state.State.Expired++;
        _dirty = true;
        GrainFactory.GetGrain<ITaskGrain>(id).Expire().Ignore();
    }

    private Task Reconcile()
    {
        GrainFactory.GetGrain<ITaskQueueGrain>(0).Reconcile(Shard, UnfinishedTasks()).Ignore();
        return Task.CompletedTask;
    }
}
