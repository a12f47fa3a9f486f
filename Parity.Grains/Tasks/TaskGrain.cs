using Parity.Hosting;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Llm;
using Parity.Runners;

namespace Parity.Tasks;

[GenerateSerializer]
public sealed class TaskRecord
{
    [Id(0)] public ParityTask? Task { get; set; }
    [Id(1)] public TaskResult? Result { get; set; }
    /// <summary>Number of the current (or last) dispatch attempt; a runner's calls carry it.</summary>
    [Id(2)] public int Attempt { get; set; }
    /// <summary>Attempts lost to a lapsed lease: bounded by RUNNER_TASK_MAX_ATTEMPTS.</summary>
    [Id(3)] public int LapsedAttempts { get; set; }
    [Id(4)] public DateTimeOffset? LeaseExpiresAt { get; set; }
    /// <summary>When the task last became pending, for RUNNER_DISPATCH_TIMEOUT.</summary>
    [Id(5)] public DateTimeOffset QueuedAt { get; set; }
    [Id(6)] public List<TaskEvent> Events { get; set; } = [];
    /// <summary>An LLM task's usage has reached the client's usage grain (which counts each prompt id once).</summary>
    [Id(7)] public bool UsageRecorded { get; set; }
}

/// <summary>
/// One task's durable state machine: pending → running → completed | failed, or cancelled from any unfinished state.
/// It dispatches to a runner with the capability and a free slot, holds a lease the runner renews, and re-dispatches
/// when the lease lapses or the runner goes offline (bounded attempts). The result is recorded once.
/// </summary>
public sealed class TaskGrain(
    [PersistentState("task", ParityStorage.Name)] IPersistentState<TaskRecord> state,
    RunnerDirectoryCache runners,
    SchedulingSettings scheduling,
    TimeProvider clock,
    ILogger<TaskGrain> logger) : Grain, ITaskGrain
{
    private const int MaxEvents = 100;
    private IGrainTimer? _timer;
    private string? _runnerHint;
    private string? _lastPullNote;
    /// <summary>Since when the directory has shown no runner able to take this task's type, while it waits.</summary>
    private DateTimeOffset? _noRunnerSince;
    private TaskCompletionSource<ParityTask?>? _finished;

    private TaskRecord Record => state.State;
    private ParityTask? Current => Record.Task;
    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (UsageToRecord() is not null) StartTimer(TimeSpan.Zero);
        if (Current is { } task && !task.Status.IsTerminal())
        {
            // Renewals are not persisted: a fresh activation gives the runner one lease period to renew.
            if (task.Status == TaskState.Running) Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
            StartTimer(TimeSpan.FromMilliseconds(Random.Shared.Next(50, 500)));
            Index.Update(Summary(task)).Ignore();
        }
        return Task.CompletedTask;
    }

    public async Task<SubmitOutcome> Submit(ParityTask task)
    {
        if (Current is not null) return SubmitOutcome.Duplicate;
        task = task with { Id = this.GetPrimaryKeyString(), Status = TaskState.Pending, UpdatedAt = Now };
        if (!await Index.TryAdmit(Summary(task))) return SubmitOutcome.Busy;

        Record.Task = task;
        Record.QueuedAt = Now;
        Log($"submitted ({Parity.Json.ParityJson.WireName(task.Type)})");
        await state.WriteStateAsync();
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
        if (task.Status == TaskState.Running && task.Runner is { } runner)
        {
            try
            {
                var live = await GrainFactory.GetGrain<IRunnerGrain>(runner).GetLiveOutput(task.Id, Record.Attempt);
                if (live is not null) return live with { Events = Record.Events.ToList(), Status = task.Status };
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Live output of {TaskId} from {Runner} unavailable", task.Id, runner);
            }
        }
        return new TaskLogs
        {
            TaskId = task.Id,
            Status = task.Status,
            Events = Record.Events.ToList(),
            Stdout = Record.Result?.Stdout ?? "",
            Stderr = Record.Result?.Stderr ?? "",
        };
    }

    /// <summary>Relays the running attempt's output from its runner: see <see cref="LiveOutputRelay"/>.</summary>
    public IAsyncEnumerable<LiveOutputPiece> LiveOutput(int attempt, long offset, CancellationToken cancellation) =>
        LiveOutputRelay.Follow(GrainFactory, Current, Record.Attempt, attempt, offset, cancellation);

    public async Task<CancelOutcome> Cancel(string reason)
    {
        if (Current is not { } task) return CancelOutcome.NotFound;
        if (task.Status.IsTerminal()) return CancelOutcome.AlreadyFinished;
        if (task.Status == TaskState.Running && task.Runner is { } runner)
            StopOnRunner(runner, Record.Attempt);
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
        var succeeded = result.ExitCode == 0 && string.IsNullOrEmpty(result.Error);
        var error = succeeded ? null
            : !string.IsNullOrEmpty(result.Error) ? result.Error
            : $"exited with code {result.ExitCode}";
        await Finish(succeeded ? TaskState.Completed : TaskState.Failed,
            succeeded ? $"completed on {task.Runner} (attempt {attempt})" : $"failed on {task.Runner}: {error}",
            result with { TaskId = task.Id, CreatorAddress = task.CreatorAddress, Attempt = attempt }, error);
    }

    public async Task Release(int attempt, string reason)
    {
        if (Current is not { Status: TaskState.Running } task || attempt != Record.Attempt) return;
        Log($"handed back by {task.Runner}: {reason}");
        await BackToPending(task);
    }

    /// <summary>The cluster's sweep calls this so a task whose activation was lost keeps moving.</summary>
    public Task Poke(string? runnerWithFreeSlot)
    {
        if (Current is not { } task || task.Status.IsTerminal()) return Task.CompletedTask;
        _runnerHint = runnerWithFreeSlot;
        return Tick();
    }

    private async Task Tick()
    {
        if (Current is not { } task || task.Status.IsTerminal())
        {
            await RecordUsage();
            if (UsageToRecord() is null) StopTimer();
            return;
        }
        if (task.Status == TaskState.Running)
        {
            // A runner that only missed heartbeats keeps its task while it renews the lease: re-dispatching it would
            // run the task twice and void the output a client is streaming.
            var siloDead = task.Runner is { } name && runners.IsSiloDead(name);
            if (Now < Record.LeaseExpiresAt && !siloDead) return;
            await LeaseLapsed(task, siloDead ? $"runner {task.Runner}'s silo died" : $"lease on {task.Runner} lapsed");
            if (Current!.Status != TaskState.Pending) return;
        }
        await TryDispatch();
    }

    private async Task LeaseLapsed(ParityTask task, string why)
    {
        Record.LapsedAttempts++;
        if (task.Runner is { } runner) StopOnRunner(runner, Record.Attempt);
        if (Record.LapsedAttempts >= scheduling.MaxAttempts)
        {
            await Finish(TaskState.Failed,
                $"{why} (attempt {Record.Attempt}); gave up after {Record.LapsedAttempts} lost attempts (RUNNER_TASK_MAX_ATTEMPTS={scheduling.MaxAttempts})",
                result: null);
            return;
        }
        Log($"{why} (attempt {Record.Attempt}); re-dispatching");
        await BackToPending(task);
    }

    private async Task BackToPending(ParityTask task)
    {
        Record.Task = task with { Status = TaskState.Pending, UpdatedAt = Now };
        Record.LeaseExpiresAt = null;
        Record.QueuedAt = Now;
        await state.WriteStateAsync();
        Index.Update(Summary(Record.Task)).Ignore();
    }

    private async Task TryDispatch()
    {
        var task = Current!;
        var waited = Now - Record.QueuedAt;
        IReadOnlyList<string> candidates;
        if (task.Type == TaskType.Llm && LlmTaskConfig.ModelOf(task) is { } model)
        {
            var route = await GrainFactory.GetGrain<IModelGrain>(ModelGrain.Key(model)).Route();
            if (route.Pull is { } pull)
            {
                // A pull can take far longer than a dispatch: the task waits on it, and its progress shows in the log.
                NotePull(pull);
                return;
            }
            if (route.Error is { } error)
            {
                // A fresh cluster gets one offline window for its runners to report their models, and the error must
                // hold for another: a loaded runner can miss a heartbeat and be back.
                if (NoRunnerForAWholeWindow() && waited > scheduling.OfflineAfter) await Finish(TaskState.Failed, error, result: null);
                return;
            }
            _noRunnerSince = null;
            candidates = route.Runners;
        }
        else
        {
            candidates = runners.Candidates(task);
            if (_runnerHint is { } hint && runners.Takes(hint, task)) candidates = [hint, .. candidates.Where(c => c != hint)];
        }
        _runnerHint = null;
        foreach (var candidate in candidates)
        {
            // Every try gets its own number: a call that failed (a timeout, say) may still have started the work,
            // and that run must never be taken for the attempt that a later candidate accepts.
            var attempt = ++Record.Attempt;
            bool started;
            try
            {
                started = await GrainFactory.GetGrain<IRunnerGrain>(candidate).TryStart(task, attempt);
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Runner {Runner} unreachable for {TaskId}", candidate, task.Id);
                StopOnRunner(candidate, attempt);
                started = false;
            }
            if (!started)
            {
                runners.NoteFull(candidate);
                continue;
            }
            runners.NoteStarted(candidate);
            Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
            Record.Task = task with { Status = TaskState.Running, Runner = candidate, Attempts = attempt, UpdatedAt = Now };
            Log($"dispatched to {candidate} (attempt {attempt})");
            await state.WriteStateAsync();
            Index.Update(Summary(Record.Task)).Ignore();
            return;
        }

        // Give every runner one offline window to announce itself, and conclude that none can take the type only when
        // that has held for another whole window: a loaded runner can miss a heartbeat or an engine ping and be back.
        if (runners.NoneCanRun(task) is not { } why) _noRunnerSince = null;
        else if (NoRunnerForAWholeWindow() && waited > scheduling.OfflineAfter) await Finish(TaskState.Failed, why, result: null);
        else if (waited > scheduling.DispatchTimeout)
            await Finish(TaskState.Failed,
                $"no runner took the task within RUNNER_DISPATCH_TIMEOUT ({scheduling.DispatchTimeout})", result: null);
    }

    /// <summary>Notes that no runner can serve the task now; true once that has held for a whole offline window.</summary>
    private bool NoRunnerForAWholeWindow()
    {
        _noRunnerSince ??= Now;
        return Now - _noRunnerSince >= scheduling.OfflineAfter;
    }

    private async Task Finish(TaskState status, string message, TaskResult? result, string? error = null)
    {
        var task = Current!;
        Record.Result = result ?? Record.Result;
        Record.LeaseExpiresAt = null;
        Record.Task = task with
        {
            Status = status,
            UpdatedAt = Now,
            CompletedAt = Now,
            Error = status == TaskState.Completed ? null : error ?? message,
        };
        Log(message);
        await state.WriteStateAsync();
        Index.Update(Summary(Record.Task)).Ignore();
        _finished?.TrySetResult(Record.Task);
        _finished = null;
        await RecordUsage();
        if (UsageToRecord() is null) StopTimer();
    }

    /// <summary>The usage record this task still owes its client's usage grain, or null.</summary>
    private LlmUsageRecord? UsageToRecord() =>
        Current is { Status: TaskState.Completed } task && Record.Result?.Usage is { } usage && !Record.UsageRecorded
            ? new LlmUsageRecord
            {
                PromptId = task.Id,
                ClientId = task.ClientId ?? task.CreatorAddress ?? "anonymous",
                Model = usage.Model ?? LlmTaskConfig.ModelOf(task) ?? "",
                Runner = Record.Result.Runner,
                Usage = usage,
                CompletedAt = task.CompletedAt ?? Now,
            }
            : null;

    /// <summary>Sends the usage record; on failure the timer keeps trying (the usage grain counts a prompt id once).</summary>
    private async Task RecordUsage()
    {
        if (UsageToRecord() is not { } record) return;
        try
        {
            await GrainFactory.GetGrain<ILlmUsageGrain>(record.ClientId).Record(record);
            Record.UsageRecorded = true;
            await state.WriteStateAsync();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Recording the usage of prompt {TaskId} failed; retrying", record.PromptId);
            StartTimer(TickPeriod);
        }
    }

    private void NotePull(LlmPullState pull)
    {
        var note = ModelGrain.Describe(pull);
        // Log a step when the status changes or the percentage moves by 10 points, not on every tick.
        var bucket = pull.Total is > 0 && pull.Completed is { } done ? $"{pull.Status}/{10 * done / pull.Total.Value}" : pull.Status;
        if (bucket == _lastPullNote) return;
        _lastPullNote = bucket;
        Log(note);
    }

    private void StopOnRunner(string runner, int attempt) =>
        GrainFactory.GetGrain<IRunnerGrain>(runner).Cancel(this.GetPrimaryKeyString(), attempt).Ignore();

    private void StartTimer(TimeSpan dueTime)
    {
        _timer ??= this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions
        {
            DueTime = dueTime,
            Period = TickPeriod,
            KeepAlive = true,
        });
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private TimeSpan TickPeriod => TimeSpan.FromTicks(Math.Clamp(scheduling.LeaseDuration.Ticks / 4,
        TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(5).Ticks));

    private void Log(string message)
    {
        Record.Events.Add(new TaskEvent(Now, message));
        if (Record.Events.Count > MaxEvents) Record.Events.RemoveRange(0, Record.Events.Count - MaxEvents);
        logger.LogInformation("Task {TaskId}: {Message}", this.GetPrimaryKeyString(), message);
    }

    private ITaskIndexGrain Index => GrainFactory.GetGrain<ITaskIndexGrain>(0);

    private static TaskSummary Summary(ParityTask task) => new()
    {
        Id = task.Id,
        Title = task.Title,
        Type = task.Type,
        Status = task.Status,
        CreatedAt = task.CreatedAt,
        UpdatedAt = task.UpdatedAt,
        Runner = task.Runner,
    };
}
