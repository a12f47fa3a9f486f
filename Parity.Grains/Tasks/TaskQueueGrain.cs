using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Hosting;

namespace Parity.Tasks;

/// <summary>
/// The cluster's unfinished tasks (see <see cref="ITaskQueueGrain"/>). It keeps no state of its own: on activation it
/// rebuilds from the index shards, and each shard's reconciliation repairs what a lost one-way update left wrong, so a
/// silo's death costs the queue nothing durable. Every call is a few dictionary and sorted-set operations.
/// </summary>
public sealed class TaskQueueGrain(SchedulingOptions scheduling, TimeProvider clock, ILogger<TaskQueueGrain> logger)
    : Grain, ITaskQueueGrain, IRemindable
{
    /// <summary>Ids that finished lately: a late, reordered update of one of them must not bring it back.</summary>
    private const int RecentlyFinishedKept = 4096;

    private readonly Dictionary<string, Entry> _unfinished = new(StringComparer.Ordinal);
    /// <summary>Pending tasks, oldest first: the order in which freed slots are offered.</summary>
    private readonly SortedSet<(DateTimeOffset CreatedAt, string Id)> _pending = new();
    private readonly HashSet<string> _recentlyFinished = new(StringComparer.Ordinal);
    private readonly Queue<string> _finishedOrder = new();

    private DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>This activation's report of what is unfinished, for as long as it is the queue.</summary>
    private IDisposable? _observed;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var shards = Enumerable.Range(0, TaskIndex.Shards).Select(async shard =>
        {
            try
            {
                return await GrainFactory.GetGrain<ITaskIndexGrain>(shard).Unfinished();
            }
            catch (Exception e)
            {
                // A shard whose silo is dying answers later; its next reconciliation fills the gap.
                logger.LogWarning(e, "Task index shard {Shard} did not list its unfinished tasks", shard);
                return [];
            }
        });
        foreach (var slice in await Task.WhenAll(shards))
        foreach (var task in slice)
            Put(task, admittedAt: Now);
        // Two counts read from another thread at collection: a torn read is off by one for one scrape, never more.
        _observed = TaskMetrics.ObserveQueue(() => (_pending.Count, Math.Max(0, _unfinished.Count - _pending.Count)));
        this.RegisterGrainTimer(Sweep, new GrainTimerCreationOptions
        {
            DueTime = scheduling.LeaseDuration, Period = scheduling.LeaseDuration, KeepAlive = true,
        });
        // The reminder brings the queue (and so the sweep) back after its silo died.
        await this.RegisterOrUpdateReminder("sweep", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _observed?.Dispose();
        return Task.CompletedTask;
    }

    public Task<bool[]> TryAdmit(IReadOnlyList<TaskSummary> tasks)
    {
        var admitted = new bool[tasks.Count];
        var now = Now;
        for (var i = 0; i < tasks.Count; i++) admitted[i] = TryAdmit(tasks[i], now);
        return Task.FromResult(admitted);
    }

    private bool TryAdmit(TaskSummary task, DateTimeOffset now)
    {
        if (_unfinished.ContainsKey(task.Id)) return true;
        if (_unfinished.Count >= scheduling.QueueLimit) return false;
        Put(task, admittedAt: now);
        return true;
    }

    public Task Update(TaskSummary task)
    {
        if (task.Status.IsTerminal()) Finished(task.Id);
        else if (_unfinished.ContainsKey(task.Id) || !_recentlyFinished.Contains(task.Id)) Put(task, admittedAt: Now);
        return Task.CompletedTask;
    }

    public Task SlotsFreed(string runner, int freeSlots)
    {
        // Offer a few more than the free slots: some of the oldest may be of a type this runner does not take.
        foreach (var (_, id) in _pending.Take(freeSlots * 2))
            GrainFactory.Reference<ITaskGrain>(id).Poke(runner).Ignore();
        return Task.CompletedTask;
    }

    public Task Reconcile(int shard, IReadOnlyList<TaskSummary> unfinished)
    {
        var reported = unfinished.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        // An entry the shard does not hold may just be in flight to it (admitted here, announced there a moment later):
        // only one older than a whole sweep period is known to be stale.
        var settled = Now - scheduling.LeaseDuration;
        foreach (var (id, entry) in _unfinished.Where(e => e.Value.AdmittedAt < settled && !reported.Contains(e.Key)
                                                           && TaskIndex.ShardOf(e.Key) == shard).ToList())
            Remove(id, entry);
        foreach (var task in unfinished)
            if (!_unfinished.ContainsKey(task.Id) && !_recentlyFinished.Contains(task.Id))
                Put(task, admittedAt: Now);
        return Task.CompletedTask;
    }

    public Task<int> Count() => Task.FromResult(_unfinished.Count);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private void Put(TaskSummary task, DateTimeOffset admittedAt)
    {
        if (_unfinished.TryGetValue(task.Id, out var known))
        {
            if (known.Task.Status == TaskState.Pending) _pending.Remove((known.Task.CreatedAt, known.Task.Id));
            admittedAt = known.AdmittedAt;
        }
        _unfinished[task.Id] = new Entry(task, admittedAt);
        if (task.Status == TaskState.Pending) _pending.Add((task.CreatedAt, task.Id));
    }

    private void Finished(string id)
    {
        if (_unfinished.TryGetValue(id, out var entry)) Remove(id, entry);
        if (!_recentlyFinished.Add(id)) return;
        _finishedOrder.Enqueue(id);
        if (_finishedOrder.Count > RecentlyFinishedKept) _recentlyFinished.Remove(_finishedOrder.Dequeue());
    }

    private void Remove(string id, Entry entry)
    {
        _unfinished.Remove(id);
        if (entry.Task.Status == TaskState.Pending) _pending.Remove((entry.Task.CreatedAt, id));
    }

    /// <summary>Wakes unfinished tasks that have not moved for a lease period: their activation may have died with a silo.</summary>
    private Task Sweep()
    {
        var stale = Now - scheduling.LeaseDuration;
        foreach (var entry in _unfinished.Values.Where(e => e.Task.UpdatedAt < stale))
            GrainFactory.Reference<ITaskGrain>(entry.Task.Id).Poke(null).Ignore();
        return Task.CompletedTask;
    }

    private sealed record Entry(TaskSummary Task, DateTimeOffset AdmittedAt);
}
