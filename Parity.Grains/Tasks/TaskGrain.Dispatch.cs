using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Parity.Hosting;
using Parity.Runners;

namespace Parity.Tasks;

/// <summary>The task grain's clock work: the lease, dispatch to the runners its type's router names, and the timer.</summary>
public sealed partial class TaskGrain
{
    private async Task Tick()
    {
        if (Current is not { } task || task.Status.IsTerminal())
        {
            await RunHooks();
            return;
        }
        if (task.Status == TaskState.Running)
        {
            // A runner that only missed heartbeats keeps its task while it renews the lease: re-dispatching it would
            // run the task twice and void the output a client is streaming.
            var siloDead = task.Runner is { } name && runners.IsSiloDead(name);
            if (Now < Record.LeaseExpiresAt && !siloDead) return;
            if (!siloDead && await StillRunsOn(task))
            {
                // The renewals were lost, not the run: this grain has just moved from a dead silo (the runner's
                // renewals went to the old activation until the cluster declared that silo dead), or the network
                // dropped them. Re-dispatching would count a loss that did not happen and run the task twice.
                Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
                Log($"lease on {task.Runner} lapsed, but {task.Runner} still runs attempt {Record.Attempt}; kept");
                return;
            }
            await LeaseLapsed(task, siloDead ? $"runner {task.Runner}'s silo died" : $"lease on {task.Runner} lapsed");
            if (Current!.Status != TaskState.Pending) return;
        }
        await TryDispatch(Current!);
    }

    /// <summary>
    /// How long the runner has to say whether it still runs the attempt. Not a tick: with a short lease a tick is 200 ms,
    /// and a loaded silo (a GC pause, a starved thread pool) can take longer than that to answer a trivial call, which
    /// then cost a task that was running fine an attempt. The grain timer does not tick again while it waits.
    /// </summary>
    private static readonly TimeSpan StillRunsAnswerTime = TimeSpan.FromSeconds(5);

    /// <summary>Whether the task's runner answers, within <see cref="StillRunsAnswerTime"/>, that it still runs the current attempt.</summary>
    private async Task<bool> StillRunsOn(ParityTask task)
    {
        if (task.Runner is not { } runner) return false;
        try
        {
            return await GrainFactory.GetGrain<IRunnerGrain>(runner).IsRunning(task.Id, Record.Attempt).WaitAsync(StillRunsAnswerTime);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Runner {Runner} did not say whether it runs {TaskId}", runner, task.Id);
            return false;
        }
    }

    private async Task LeaseLapsed(ParityTask task, string why)
    {
        Record.LapsedAttempts++;
        if (task.Runner is { } runner) StopOnRunner(runner, Record.Attempt);
        if (Record.LapsedAttempts >= scheduling.MaxAttempts)
        {
            await Finish(TaskState.Failed, $"{why} (attempt {Record.Attempt}); gave up after {Record.LapsedAttempts} lost " +
                                           $"attempts (RUNNER_TASK_MAX_ATTEMPTS={scheduling.MaxAttempts})", result: null);
            return;
        }
        Log($"{why} (attempt {Record.Attempt}); re-dispatching");
        await BackToPending(task);
        TaskMetrics.RecordRedispatched(task.Type);
    }

    private async Task BackToPending(ParityTask task)
    {
        Record.Task = task with { Status = TaskState.Pending, UpdatedAt = Now };
        Record.LeaseExpiresAt = null;
        Record.QueuedAt = Now;
        await state.WriteStateAsync();
        Announce(Record.Task);
    }

    private async Task TryDispatch(ParityTask task)
    {
        // Parsed once per activation by the type table, not on every tick. The gateway refuses a bad config; one that
        // reached the grain another way fails here, naming the field, and is never offered to a runner.
        try
        {
            _config ??= TaskTypes.ParseConfig(task);
        }
        catch (TaskConfigException e)
        {
            await Finish(TaskState.Failed, e.Message, result: null);
            return;
        }
        var route = await handlers.RouterFor(task.Type).RouteAsync(task, _config, _runnerHint);
        _runnerHint = null;
        if (route.Waiting is { } note)
        {
            // A wait (a model pull) can take far longer than a dispatch: its progress shows in the log, once per step.
            if (route.WaitKey != _lastWaitKey) Log(note);
            _lastWaitKey = route.WaitKey;
            return;
        }
        foreach (var candidate in route.Runners)
        {
            // A runner whose silo is dead or leaving still shows online until its heartbeat goes stale; a try on it
            // could only fail and would use up an attempt number for nothing.
            if (runners.IsSiloGone(candidate)) continue;
            if (await TryStartOn(candidate, task)) return;
        }

        // Give every runner one offline window to announce itself, and conclude that none can take the task only when
        // that has held for UnroutableAfter: a loaded runner can miss a heartbeat or an engine ping and be back.
        var waited = Now - Record.QueuedAt;
        if (route.Unroutable is not { } why) _unroutableSince = null;
        else if (route.UnroutableForGood)
            await Finish(TaskState.Failed, why, result: null);
        else if (Now - (_unroutableSince ??= Now) >= scheduling.UnroutableAfter && waited > scheduling.OfflineAfter)
            await Finish(TaskState.Failed, why, result: null);
        else if (waited > scheduling.DispatchTimeout)
            await Finish(TaskState.Failed, $"no runner took the task within RUNNER_DISPATCH_TIMEOUT ({scheduling.DispatchTimeout})", result: null);
    }

    private async Task<bool> TryStartOn(string candidate, ParityTask task)
    {
        // A try whose outcome is unknown (the call failed: a timeout, say) uses up its number: it may still have started
        // the work, and that run must never be taken for the attempt that a later candidate accepts. A refusal started
        // nothing, so its number is offered to the next candidate: attempt numbers count runs, not knocks on full runners.
        var attempt = Record.Attempt + 1;
        // The runner's grain call carries this span's context, and so the run it starts is part of the task's trace.
        using var span = Record.TraceParent is { } parent && ActivityContext.TryParse(parent, null, out var context)
            ? TaskMetrics.Activities.StartActivity("task dispatch", ActivityKind.Internal, context)
            : null;
        span?.SetTag("task.id", task.Id).SetTag("runner.name", candidate).SetTag("task.attempt", attempt);
        try
        {
            if (!await GrainFactory.Reference<IRunnerGrain>(candidate).TryStart(task, attempt))
            {
                runners.NoteFull(candidate);
                return false;
            }
            Record.Attempt = attempt;
        }
        catch (Exception e)
        {
            Record.Attempt = attempt;
            logger.LogDebug(e, "Runner {Runner} unreachable for {TaskId}", candidate, task.Id);
            StopOnRunner(candidate, attempt);
            runners.NoteFull(candidate);
            return false;
        }
        runners.NoteStarted(candidate);
        Record.LeaseExpiresAt = Now + scheduling.LeaseDuration;
        Record.Task = task with { Status = TaskState.Running, Runner = candidate, Attempt = attempt, UpdatedAt = Now };
        Log($"dispatched to {candidate} (attempt {attempt})");
        await state.WriteStateAsync();
        Announce(Record.Task);
        return true;
    }

    private void StopOnRunner(string runner, int attempt) =>
        GrainFactory.GetGrain<IRunnerGrain>(runner).Cancel(this.GetPrimaryKeyString(), attempt).Ignore();

    private void StartTimer(TimeSpan dueTime) =>
        _timer ??= this.RegisterGrainTimer(Tick, new GrainTimerCreationOptions { DueTime = dueTime, Period = TickPeriod, KeepAlive = true });

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private TimeSpan TickPeriod => TimeSpan.FromTicks(Math.Clamp(scheduling.LeaseDuration.Ticks / 4,
        TimeSpan.FromMilliseconds(200).Ticks, TimeSpan.FromSeconds(5).Ticks));
}
