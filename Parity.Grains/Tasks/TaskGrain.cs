using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Hosting;
using Parity.Json;
using Parity.Runners;

namespace Parity.Tasks;

/// <summary>
/// One task's durable state machine: pending → running → completed | failed, or cancelled from any unfinished state.
/// It offers the task to the runners its type's router names, holds a lease the runner renews, and re-dispatches when
/// the lease lapses or the runner's silo is declared dead (bounded attempts). The result is recorded once, then the
/// type's completion hooks run until each has succeeded. Per-type behaviour lives in <see cref="TaskHandlers"/>.
/// </summary>
[HintedPlacement]
public sealed partial class TaskGrain(
    [PersistentState("task", ParityStorage.Name)] IPersistentState<TaskRecord> state,
    RunnerDirectoryCache runners,
    TaskAdmission admission,
    TaskIndexUpdates index,
    TaskHandlers handlers,
    SchedulingOptions scheduling,
    TimeProvider clock,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain, IRemindable
{
    /// <summary>
    /// The reminder that brings a finished task whose hooks are still owed back after its silo died (a timer does not
    /// survive its activation): registered when a hook fails, or before the first try for a task an upstream server
    /// handed over (its report must not wait for the task's expiry), and removed once every hook has run.
    /// </summary>
    private const string HooksReminder = "hooks";
    private bool _hooksReminder;
    private const int MaxEvents = 100;
    private IGrainTimer? _timer;
    private string? _runnerHint;
    private string? _lastWaitKey;
    /// <summary>The task's config as its type parses it; kept for the activation, never persisted.</summary>
    private object? _config;
    /// <summary>Since when no runner in the cluster could take the task, while it waits.</summary>
    private DateTimeOffset? _unroutableSince;
    private TaskCompletionSource<ParityTask?>? _finished;

    private TaskRecord Record => state.State;
    private ParityTask? Current => Record.Task;
    private DateTimeOffset Now => clock.GetUtcNow();
    private bool HooksOwed => Current is { } task && task.Status.IsTerminal() && !Record.HooksDone;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (HooksOwed) StartTimer(TimeSpan.Zero);
        // A finished task re-announces itself to its shard alone: an index entry lost in a crash comes back (and can
        // expire) once the task is read again.
        if (Current is { } finished && finished.Status.IsTerminal()) index.Post(finished.Summary());
        if (Current is { } task && !task.Status.IsTerminal())
        {
            // Renewals are not persisted: a fresh activation gives the runner one lease period to renew.
            if (task.Status == TaskState.Running) Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
            StartTimer(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 500)));
            Announce(task);
        }
        return Task.CompletedTask;
    }

    public async Task<SubmitOutcome> Submit(ParityTask task)
    {
        if (Current is not null) return SubmitOutcome.Duplicate;
        task = task with { Id = this.GetPrimaryKeyString(), Status = TaskState.Pending, UpdatedAt = Now };
        if (!await admission.TryAdmit(task.Summary())) return SubmitOutcome.Busy;
        using var span = TaskMetrics.Activities.StartActivity("task submit");
        span?.SetTag("task.id", task.Id).SetTag("task.type", ParityJson.WireName(task.Type));
        Record.TraceParent = span?.Id;
        Record.Task = task;
        Record.QueuedAt = Now;
        Log($"submitted ({ParityJson.WireName(task.Type)})");
        await state.WriteStateAsync();
        TaskMetrics.RecordSubmitted(task.Type);
        // One-way: the index shard lists the task a moment later, and a listing in progress never slows an admission.
        index.Post(task.Summary());
        StartTimer(TimeSpan.Zero);
        return SubmitOutcome.Accepted;
    }

    public Task<ParityTask?> Get() => Task.FromResult(Current);

    public Task<TaskResult?> GetResult() => Task.FromResult(Record.Result);

    public async Task<ParityTask?> WaitFinished(TimeSpan maxWait)
    {
        if (Current is not { } task || task.Status.IsTerminal()) return Current;
        _finished ??= new TaskCompletionSource<ParityTask?>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            return await _finished.Task.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
            return Current;
        }
    }

    public async Task<TaskLogs?> GetLogs()
    {
        if (Current is not { } task) return null;
        if (task is { Status: TaskState.Running, Runner: { } runner } && await LiveLogs(runner, task.Id) is { } live)
            return live with { Events = Record.Events.ToList(), Status = task.Status };
        return new TaskLogs
        {
            TaskId = task.Id,
            Status = task.Status,
            Events = Record.Events.ToList(),
            Stdout = Record.Result?.Stdout ?? "",
            Stderr = Record.Result?.Stderr ?? "",
            StdoutFile = Record.Result?.StdoutFile,
            StderrFile = Record.Result?.StderrFile,
        };
    }

    /// <summary>Relays the running attempt's output from its runner: see <see cref="LiveOutputRelay"/>.</summary>
    public IAsyncEnumerable<LiveOutputPiece> LiveOutput(int attempt, long offset, CancellationToken cancellation) =>
        LiveOutputRelay.Follow(GrainFactory, Current, Record.Attempt, attempt, offset, cancellation);

    public async Task<CancelOutcome> Cancel(string reason)
    {
        if (Current is not { } task) return CancelOutcome.NotFound;
        if (task.Status.IsTerminal()) return CancelOutcome.AlreadyFinished;
        if (task is { Status: TaskState.Running, Runner: { } runner }) StopOnRunner(runner, Record.Attempt);
        await Finish(TaskState.Cancelled, $"cancelled: {reason}", result: null);
        return CancelOutcome.Cancelled;
    }

    public Task<bool> RenewLease(int attempt)
    {
        if (Current is not { Status: TaskState.Running } || attempt != Record.Attempt) return Task.FromResult(false);
        Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
        return Task.FromResult(true);
    }

    public async Task Complete(int attempt, TaskResult result)
    {
        if (Current is not { Status: TaskState.Running } task || attempt != Record.Attempt || result.Runner != task.Runner)
        {
            if (Current is not null) Log($"ignored a late result of attempt {attempt} from {result.Runner}");
            return;
        }
        runners.NoteFreed(result.Runner);
        var error = result.ExitCode == 0 && string.IsNullOrEmpty(result.Error) ? null
            : !string.IsNullOrEmpty(result.Error) ? result.Error
            : $"exited with code {result.ExitCode}";
        await Finish(error is null ? TaskState.Completed : TaskState.Failed,
            error is null ? $"completed on {task.Runner} (attempt {attempt})" : $"failed on {task.Runner}: {error}",
            result with { TaskId = task.Id, CreatorAddress = task.CreatorAddress, CreatorDeviceId = task.CreatorDeviceId ?? "", Attempt = attempt }, error);
    }

    public async Task Release(int attempt, string reason)
    {
        if (Current is not { Status: TaskState.Running } task || attempt != Record.Attempt) return;
        Log($"handed back by {task.Runner}: {reason}");
        await BackToPending(task);
    }

    public async Task Expire()
    {
        if (Current is not { } task)
        {
            this.DeactivateOnIdle();
            return;
        }
        if (!task.Status.IsTerminal() || HooksOwed)
        {
            // Not done yet (a hook still owes its work): back into the index, to be expired on a later sweep.
            index.Post(task.Summary());
            return;
        }
        if (Record.Result is { StdoutFile: not null } or { StderrFile: not null })
            GrainFactory.GetGrain<IOutputStoreGrain>(Record.Result.Runner).Delete(task.Id).Ignore();
        if (task.Status == TaskState.Completed)
        {
            // Its reward's record goes with it (once paid or unpaid for good; the runner's totals keep it), before
            // the task does: nothing of an expired task is left behind.
            try
            {
                await GrainFactory.GetGrain<Parity.Chain.IRewardGrain>(task.Id).Expire();
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or Orleans.Storage.InconsistentStateException)
            {
                logger.LogWarning("Task {TaskId} expired; its reward's record stays ({Reason})", task.Id, e.Message);
            }
        }
        logger.LogDebug("Task {TaskId} expired", task.Id);
        await state.ClearStateAsync();
        state.State = new TaskRecord();
        _config = null;
        StopTimer();
        this.DeactivateOnIdle();
    }

    /// <summary>The cluster's sweep calls this so a task whose activation was lost keeps moving.</summary>
    public Task Poke(string? runnerWithFreeSlot)
    {
        if (Current is not { } task || task.Status.IsTerminal()) return Task.CompletedTask;
        _runnerHint = runnerWithFreeSlot;
        return Tick();
    }

    private async Task Finish(TaskState status, string message, TaskResult? result, string? error = null)
    {
        Record.Result = result ?? Record.Result;
        Record.LeaseExpiresAt = null;
        Record.Task = Current! with
        {
            Status = status,
            UpdatedAt = Now,
            CompletedAt = Now,
            Error = status == TaskState.Completed ? null : error ?? message,
        };
        Log(message);
        // A type without hooks owes nothing: saying so in this write spares a second one.
        Record.HooksDone = !handlers.HooksFor(Record.Task.Type).Any();
        Record.HooksRun = 0;
        await state.WriteStateAsync();
        TaskMetrics.RecordFinished(Record.Task.Type, status, Now - Record.Task.CreatedAt);
        Announce(Record.Task);
        _finished?.TrySetResult(Record.Task);
        _finished = null;
        await RunHooks();
    }

    /// <summary>Runs the type's completion hooks once they are owed; on failure the timer keeps trying.</summary>
    private async Task RunHooks()
    {
        if (HooksOwed)
        {
            var ran = Record.HooksRun;
            try
            {
                if (Current!.Upstream is not null) await KeepHooksReminder();
                var hooks = handlers.HooksFor(Current!.Type).ToList();
                for (var index = Record.HooksRun; index < hooks.Count; index++)
                {
                    await hooks[index].OnFinishedAsync(Current, Record.Result);
                    ran = index + 1;
                }
                Record.HooksDone = true;
                await state.WriteStateAsync();
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A completion hook of task {TaskId} failed; retrying", Current!.Id);
                if (ran > Record.HooksRun)
                {
                    // Those that succeeded are not run again (see TaskRecord.HooksRun); if this write fails, they are.
                    Record.HooksRun = ran;
                    try
                    {
                        await state.WriteStateAsync();
                    }
                    catch (Exception write)
                    {
                        logger.LogDebug(write, "Task {TaskId}: its hooks' progress is not stored; they run again", Current!.Id);
                    }
                }
                StartTimer(TickPeriod);
                await KeepHooksReminder();
                return;
            }
        }
        StopTimer();
        if (_hooksReminder) await DropHooksReminder();
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName != HooksReminder ? Task.CompletedTask
        : HooksOwed ? RunHooks()
        : DropHooksReminder();

    private async Task KeepHooksReminder()
    {
        if (_hooksReminder) return;
        try
        {
            await this.RegisterOrUpdateReminder(HooksReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _hooksReminder = true;
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Task {TaskId}: no reminder for its owed hooks; the timer alone retries them", Current?.Id);
        }
    }

    private async Task DropHooksReminder()
    {
        try
        {
            if (await this.GetReminder(HooksReminder) is { } reminder) await this.UnregisterReminder(reminder);
            _hooksReminder = false;
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Task {TaskId}: its hooks reminder stays until its next tick", Current?.Id);
        }
    }

    private void Log(string message)
    {
        Record.Events.Add(new TaskEvent(Now, message));
        if (Record.Events.Count > MaxEvents) Record.Events.RemoveRange(0, Record.Events.Count - MaxEvents);
        logger.LogInformation("Task {TaskId}: {Message}", this.GetPrimaryKeyString(), message);
    }

    private ITaskQueueGrain Queue => GrainFactory.Reference<ITaskQueueGrain>(0);

    /// <summary>Tells the queue and the task's index shard its new state (one-way, batched: neither is on the task's path).</summary>
    private void Announce(ParityTask task)
    {
        var summary = task.Summary();
        Queue.Update(summary).Ignore();
        index.Post(summary);
    }

    /// <summary>The attempt's output so far from its runner, or null when that runner cannot say (it may be dying).</summary>
    private async Task<TaskLogs?> LiveLogs(string runner, string taskId)
    {
        try
        {
            return await GrainFactory.GetGrain<IRunnerGrain>(runner).GetLiveOutput(taskId, Record.Attempt);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Live output of {TaskId} from {Runner} unavailable", taskId, runner);
            return null;
        }
    }
}
