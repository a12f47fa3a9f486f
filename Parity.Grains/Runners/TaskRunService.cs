using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Parity.Configuration;
using Parity.Execution;
using Parity.Tasks;

namespace Parity.Runners;

/// <summary>
/// This silo's task slots and the executions in them. It runs each task outside the grain scheduler, renews the
/// task's lease while it works, reports the result once, and on shutdown hands unfinished tasks back.
/// </summary>
public sealed class TaskRunService(
    IEnumerable<ITaskExecutor> executors,
    IGrainFactory grains,
    SchedulingOptions scheduling,
    ClusteringOptions cluster,
    ShellExecutorOptions shell,
    LongOutputs outputs,
    ILogger<TaskRunService> logger)
{
    private readonly Dictionary<TaskType, ITaskExecutor> _executors = executors.ToDictionary(e => e.Type);
    private readonly ConcurrentDictionary<string, RunningTask> _running = new(StringComparer.Ordinal);
    // Attempts whose work is done (slot freed) and whose result is on its way to the task grain, by task id.
    private readonly ConcurrentDictionary<string, int> _reporting = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly Lock _slots = new();
    private bool _stopping;

    /// <summary>Raised when a slot frees or fills, so the runner can announce it at once.</summary>
    public event Action? SlotsChanged;

    /// <summary>Raised when a slot frees, so queued tasks can be offered it at once.</summary>
    public event Action? SlotFreed;

    public int SlotsTotal => scheduling.MaxConcurrentTasks;
    public int SlotsUsed => _running.Count;
    public IReadOnlyList<string> RunningTaskIds => _running.Keys.ToList();

    public IReadOnlyList<TaskType> TaskTypes => _executors.Values
        .Where(e => e.Available)
        .Select(e => e.Type).Order().ToList();

    public bool TryStart(ParityTask task, int attempt)
    {
        if (_shutdown.IsCancellationRequested || !TaskTypes.Contains(task.Type)) return false;
        var execution = new RunningTask(task, attempt, new ExecutionOutput(shell.MaxOutputBytes),
            CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
        lock (_slots)
        {
            // Checked again under the lock StopAsync takes: a dispatch racing the shutdown either is refused here or is
            // registered, with its completion, before StopAsync looks, so the stop waits for it (and its container).
            if (_stopping || _running.Count >= SlotsTotal || _running.ContainsKey(task.Id))
            {
                execution.Cancellation.Dispose();
                return false;
            }
            _running[task.Id] = execution;
            execution.Completion = Task.Run(() => RunAsync(execution));
        }
        SlotsChanged?.Invoke();
        return true;
    }

    public void Cancel(string taskId, int attempt)
    {
        if (!_running.TryGetValue(taskId, out var execution) || execution.Attempt != attempt) return;
        execution.Superseded = true;
        execution.Cancellation.Cancel();
    }

    /// <summary>
    /// Whether the attempt is still this runner's: running, or finished with its result on the way. A task grain whose
    /// lease lapsed asks this; the result being reported counts, since the report may be queued behind that very
    /// question, and a "no" would re-run a task that has finished and throw its result away as late.
    /// </summary>
    public bool IsRunning(string taskId, int attempt) =>
        _running.TryGetValue(taskId, out var execution) && execution.Attempt == attempt && !execution.Superseded
        || _reporting.TryGetValue(taskId, out var reporting) && reporting == attempt;

    public TaskLogs? LiveOutput(string taskId, int attempt) =>
        _running.TryGetValue(taskId, out var execution) && execution.Attempt == attempt ? Live(execution) : null;

    private static TaskLogs Live(RunningTask execution) => new()
    {
        TaskId = execution.Task.Id,
        Status = TaskState.Running,
        Stdout = execution.Output.Stdout.Text(),
        Stderr = execution.Output.Stderr.Text(),
        Live = true,
    };

    /// <summary>The stdout of the task's attempt running here, to follow as it grows; null when that attempt is not running here.</summary>
    public LiveOutputFeed? LiveFeed(string taskId, int attempt) =>
        _running.TryGetValue(taskId, out var execution) && execution.Attempt == attempt
            ? new LiveOutputFeed(execution.Output.Stdout, attempt, execution.Done.Token)
            : null;

    /// <summary>Stops every execution and hands its task back (lease released) so another runner takes it.</summary>
    public async Task StopAsync(TimeSpan budget)
    {
        Task[] pending;
        lock (_slots)
        {
            _stopping = true;
            pending = _running.Values.Select(e => e.Completion!).ToArray();
        }
        // Outside the lock: cancelling runs the executions' callbacks synchronously.
        _shutdown.Cancel();
        if (pending.Length > 0)
        {
            logger.LogInformation("Handing back {Count} running task(s)", pending.Length);
            await Task.WhenAny(Task.WhenAll(pending), Task.Delay(budget));
        }
    }

    private async Task RunAsync(RunningTask execution)
    {
        var task = execution.Task;
        // A child of the runner grain's call that started it (Task.Run kept its context), so of the task's dispatch.
        using var span = TaskMetrics.Activities.StartActivity("task execute");
        span?.SetTag("task.id", task.Id).SetTag("task.type", Parity.Json.ParityJson.WireName(task.Type))
            .SetTag("runner.name", cluster.SiloName).SetTag("task.attempt", execution.Attempt);
        var taskGrain = grains.GetGrain<ITaskGrain>(task.Id);
        _ = LeaseRenewal.RunAsync(taskGrain, execution.Attempt, scheduling.LeaseDuration / 3, execution.Done.Token, () =>
        {
            execution.Superseded = true;
            execution.Cancellation.Cancel();
        }, logger);
        ExecutionOutcome outcome;
        TaskRun? run = null;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            run = TaskRun.Of(task, execution.Attempt);
            outcome = await _executors[task.Type].ExecuteAsync(run, execution.Output, execution.Cancellation.Token);
        }
        catch (TaskConfigException e)
        {
            outcome = new ExecutionOutcome { ExitCode = -1, Error = e.Message };
        }
        catch (Exception e)
        {
            logger.LogError(e, "Executor for {TaskType} threw on task {TaskId}", task.Type, task.Id);
            outcome = new ExecutionOutcome { ExitCode = -1, Error = $"executor error: {e.Message}" };
        }

        // The work is done: free the slot before reporting, so the next task can start the moment this one is recorded.
        var result = TaskResults.Of(execution.Task, execution.Attempt, cluster.SiloName, run?.Config, outcome, execution.Output);
        var reporting = !execution.Superseded && !_shutdown.IsCancellationRequested;
        if (reporting) _reporting[task.Id] = execution.Attempt;
        _running.TryRemove(task.Id, out _);
        RunnerMetrics.RecordRun(cluster.SiloName, task.Type, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        SlotsChanged?.Invoke();
        SlotFreed?.Invoke();
        try
        {
            if (_shutdown.IsCancellationRequested)
                await taskGrain.Release(execution.Attempt, $"runner {cluster.SiloName} is shutting down");
            else if (!execution.Superseded)
                await ReportAsync(taskGrain, await outputs.StoreAsync(task.Type, result, CancellationToken.None));
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not report task {TaskId} (attempt {Attempt}); its lease will lapse and it will be re-dispatched",
                task.Id, execution.Attempt);
        }
        finally
        {
            if (reporting) _reporting.TryRemove(KeyValuePair.Create(task.Id, execution.Attempt));
            execution.Done.Cancel();
        }
    }

    private async Task ReportAsync(ITaskGrain taskGrain, TaskResult result)
    {
        // Complete is idempotent per attempt, so retrying a call whose answer was lost is safe. The task grain's silo
        // may have just died: its grain comes back elsewhere once the cluster declares that silo dead (seconds), so the
        // result is offered for as long as the lease would have held the run, each call bounded so that one stuck on
        // the dead silo (it waits out the 30 s response timeout) does not use up that time; giving up sooner would
        // turn a finished run into a lost attempt run again.
        var giveUpAt = DateTime.UtcNow + scheduling.LeaseDuration;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await taskGrain.Complete(result.Attempt, result).WaitAsync(scheduling.LeaseDuration / 3);
                return;
            }
            catch (Exception e) when (DateTime.UtcNow < giveUpAt && !_shutdown.IsCancellationRequested)
            {
                logger.LogDebug(e, "Reporting task {TaskId} (attempt {Attempt}) failed; retrying", result.TaskId, result.Attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(200 * attempt, 2000)));
            }
        }
    }

    private sealed class RunningTask(ParityTask task, int attempt, ExecutionOutput output, CancellationTokenSource cancellation)
    {
        public ParityTask Task { get; } = task;
        public int Attempt { get; } = attempt;
        public ExecutionOutput Output { get; } = output;
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public CancellationTokenSource Done { get; } = new();
        public Task? Completion { get; set; }
        /// <summary>The task grain no longer wants this attempt (cancelled or re-dispatched): report nothing.</summary>
        public volatile bool Superseded;
    }
}
