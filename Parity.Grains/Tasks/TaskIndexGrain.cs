using Parity.Hosting;
using Parity.Configuration;

namespace Parity.Tasks;

[GenerateSerializer]
public sealed class TaskIndexRecord
{
    [Id(0)] public Dictionary<string, TaskSummary> Tasks { get; set; } = [];
}

/// <summary>
/// The cluster's list of tasks: admission against TASK_QUEUE_LIMIT, listing and counts without activating every
/// task, and a sweep that wakes unfinished tasks whose activation was lost with a dead silo. Writes are batched
/// (at most one per <see cref="FlushInterval"/>); an entry lost to a crash in that window is restored when its task
/// next activates, because every task re-registers itself on activation.
/// </summary>
public sealed class TaskIndexGrain(
    [PersistentState("task-index", ParityStorage.Name)] IPersistentState<TaskIndexRecord> state,
    SchedulingOptions scheduling) : Grain, ITaskIndexGrain, IRemindable
{
    /// <summary>Finished tasks kept in the index (the task grains themselves keep everything).</summary>
    public const int RetainedFinished = 20_000;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(250);

    private bool _dirty;
    private int _unfinished;
    /// <summary>How many indexed tasks are in each state, kept as entries change so counting never scans.</summary>
    private readonly Dictionary<TaskState, int> _counts = [];
    /// <summary>Pending tasks, oldest first: the order in which freed slots are offered.</summary>
    private readonly SortedSet<(DateTimeOffset CreatedAt, string Id)> _pending = new();

    private Dictionary<string, TaskSummary> Tasks => state.State.Tasks;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _unfinished = Tasks.Values.Count(t => !t.Status.IsTerminal());
        foreach (var task in Tasks.Values) Counted(task.Status, +1);
        foreach (var task in Tasks.Values.Where(t => t.Status == TaskState.Pending)) _pending.Add((task.CreatedAt, task.Id));
        this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions { DueTime = FlushInterval, Period = FlushInterval });
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions
        {
            DueTime = scheduling.LeaseDuration, Period = scheduling.LeaseDuration, KeepAlive = true,
        });
        // The reminder brings the index (and so the sweep) back after its silo died.
        await this.RegisterOrUpdateReminder("sweep", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_dirty) await state.WriteStateAsync(cancellationToken);
    }

    public Task<bool> TryAdmit(TaskSummary task)
    {
        if (Tasks.ContainsKey(task.Id)) return Task.FromResult(true);
        if (_unfinished >= scheduling.QueueLimit) return Task.FromResult(false);
        Put(task);
        return Task.FromResult(true);
    }

    public Task Update(TaskSummary task)
    {
        Put(task);
        return Task.CompletedTask;
    }

    public Task<TaskPage> List(TaskState? status, int offset, int limit)
    {
        var matching = Tasks.Values.Where(t => status is null || t.Status == status).ToList();
        var page = matching
            .OrderByDescending(t => t.CreatedAt).ThenBy(t => t.Id, StringComparer.Ordinal)
            .Skip(offset).Take(limit).ToList();
        return Task.FromResult(new TaskPage { Tasks = page, Total = matching.Count, Offset = offset, Limit = limit });
    }

    public Task SlotsFreed(string runner, int freeSlots)
    {
        // Offer a few more than the free slots: some of the oldest may be of a type this runner does not take.
        foreach (var (_, id) in _pending.Take(freeSlots * 2))
            GrainFactory.GetGrain<ITaskGrain>(id).Poke(runner).Ignore();
        return Task.CompletedTask;
    }

    public Task<TaskCounts> Counts()
    {
        int Count(TaskState s) => _counts.GetValueOrDefault(s);
        return Task.FromResult(new TaskCounts
        {
            Pending = Count(TaskState.Pending),
            Running = Count(TaskState.Running),
            Completed = Count(TaskState.Completed),
            Failed = Count(TaskState.Failed),
            Cancelled = Count(TaskState.Cancelled),
        });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Sweep();

    private void Put(TaskSummary task)
    {
        if (Tasks.TryGetValue(task.Id, out var known))
        {
            // Updates may arrive out of order (one-way calls): never move a finished task back.
            if (known.Status.IsTerminal() && !task.Status.IsTerminal()) return;
            if (!known.Status.IsTerminal()) _unfinished--;
            if (known.Status == TaskState.Pending) _pending.Remove((known.CreatedAt, known.Id));
            Counted(known.Status, -1);
        }
        Tasks[task.Id] = task;
        Counted(task.Status, +1);
        if (!task.Status.IsTerminal()) _unfinished++;
        if (task.Status == TaskState.Pending) _pending.Add((task.CreatedAt, task.Id));
        _dirty = true;
    }

    private void Counted(TaskState status, int change) => _counts[status] = _counts.GetValueOrDefault(status) + change;

    private async Task Flush()
    {
        if (!_dirty) return;
        TrimFinished();
        _dirty = false;
        await state.WriteStateAsync();
    }

    private void TrimFinished()
    {
        var finished = Tasks.Count - _unfinished;
        if (finished <= RetainedFinished) return;
        foreach (var old in Tasks.Values.Where(t => t.Status.IsTerminal())
                     .OrderBy(t => t.UpdatedAt).Take(finished - RetainedFinished).ToList())
        {
            Tasks.Remove(old.Id);
            Counted(old.Status, -1);
        }
    }

    private Task Sweep()
    {
        var stale = DateTimeOffset.UtcNow - scheduling.LeaseDuration;
        foreach (var task in Tasks.Values.Where(t => !t.Status.IsTerminal() && t.UpdatedAt < stale))
            GrainFactory.GetGrain<ITaskGrain>(task.Id).Poke(null).Ignore();
        return Task.CompletedTask;
    }
}
