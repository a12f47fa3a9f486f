using System.Diagnostics;
using Parity.Tasks;
using Microsoft.Extensions.Logging;
using Parity.Configuration;

namespace Parity.Runners;

/// <summary>
/// Starts this silo's runner once the silo is active and heartbeats it; on shutdown (first of all stages) shows it
/// offline and hands its running tasks back so other runners take them.
/// </summary>
public sealed class RunnerLifecycle(
    IGrainFactory grains,
    TaskRunService executions,
    Parity.Llm.ModelPulls pulls,
    Parity.Llm.RunnerModels models,
    ClusteringOptions cluster,
    SchedulingOptions scheduling,
    LongOutputs outputs,
    RetentionOptions retention,
    TimeProvider clock,
    ILogger<RunnerLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();
    /// <summary>This runner's slots in the metrics, from the start of the silo to its stop.</summary>
    private IDisposable? _slotsObserved;
    private Task? _heartbeats;
    private Task? _outputSweeps;
    private volatile bool _markedOffline;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunnerLifecycle), ServiceLifecycleStage.Active, OnStart, OnStop);

    private IRunnerGrain Runner => grains.GetGrain<IRunnerGrain>(cluster.SiloName);

    private async Task OnStart(CancellationToken cancellation)
    {
        await Runner.Heartbeat();
        _slotsObserved = RunnerMetrics.ObserveSlots(cluster.SiloName, () => (executions.SlotsUsed, executions.SlotsTotal));
        executions.SlotsChanged += () => Runner.Heartbeat().Ignore();
        executions.SlotFreed += () => grains.GetGrain<ITaskQueueGrain>(0)
            .SlotsFreed(cluster.SiloName, executions.SlotsTotal - executions.SlotsUsed).Ignore();
        pulls.Pulled += () => Runner.Heartbeat().Ignore();
        models.Changed += () => Runner.Heartbeat().Ignore();
        _heartbeats = Task.Run(HeartbeatLoop, CancellationToken.None);
        _outputSweeps = Task.Run(OutputSweepLoop, CancellationToken.None);
        logger.LogInformation("Runner {Runner} online: {Slots} slot(s), task types [{Types}]",
            cluster.SiloName, executions.SlotsTotal, string.Join(", ", executions.TaskTypes));
    }

    private async Task HeartbeatLoop()
    {
        using var timer = new PeriodicTimer(scheduling.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                try
                {
                    // Bounded by the interval, so that a call stuck on a directory whose silo just died (it waits out
                    // the response timeout) does not hold back the heartbeat that reaches the directory's new home.
                    await Runner.Heartbeat().WaitAsync(scheduling.HeartbeatInterval, _stop.Token);
                }
                catch (Exception e) when (!_stop.IsCancellationRequested)
                {
                    logger.LogWarning(e, "Heartbeat of runner {Runner} failed", cluster.SiloName);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Deletes stored output older than RESULT_RETENTION, at start and then every hour (or retention, if shorter): the
    /// backstop for expiries that could not reach this silo (it was down) and for superseded attempts' output.
    /// </summary>
    private async Task OutputSweepLoop()
    {
        var period = retention.Retention < TimeSpan.FromHours(1) ? retention.Retention : TimeSpan.FromHours(1);
        using var timer = new PeriodicTimer(period);
        do
        {
            try
            {
                var deleted = outputs.Store.DeleteOlderThan(clock.GetUtcNow() - retention.Retention);
                if (deleted > 0) logger.LogInformation("Deleted the stored output of {Count} expired task(s)", deleted);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning("Could not sweep the output store {Directory}: {Reason}", outputs.Store.Root, e.Message);
            }
        } while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result));
    }

    private async Task OnStop(CancellationToken cancellation)
    {
        _stop.Cancel();
        _slotsObserved?.Dispose();
        // Two thirds of the process's shutdown timeout: the rest is left to Orleans' own stop (membership, storage),
        // so a hang here still leaves the silo time to leave the cluster cleanly.
        var handBack = Stopwatch.StartNew();
        var budget = cluster.ShutdownTimeout * 2 / 3;
        try
        {
            await Runner.GoOffline().WaitAsync(budget, CancellationToken.None);
            _markedOffline = true;
        }
        catch (Exception e)
        {
            // One line: the cause is in the message (a timeout, a storage error), and a shutdown log is read by people.
            logger.LogWarning("Could not mark runner {Runner} offline: {Reason}", cluster.SiloName,
                e is TimeoutException ? "no answer in time" : ExceptionLine.Of(e));
        }
        var left = budget - handBack.Elapsed;
        await executions.StopAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        await pulls.StopAsync();
        if (_heartbeats is not null) await _heartbeats;
        if (_outputSweeps is not null) await _outputSweeps;
    }

    /// <summary>
    /// What this runner has not handed back yet, in words for the one line a forced exit prints; null when nothing.
    /// </summary>
    public string? Unfinished()
    {
        var parts = new List<string>();
        if (!_markedOffline) parts.Add($"runner {cluster.SiloName} not marked offline (it shows offline once its heartbeats stop)");
        var running = executions.RunningTaskIds;
        if (running.Count > 0)
            parts.Add($"{running.Count} running task(s) not handed back, taken again when their leases expire: {string.Join(", ", running)}");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }
}
