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
    ILogger<RunnerLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _heartbeats;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunnerLifecycle), ServiceLifecycleStage.Active, OnStart, OnStop);

    private IRunnerGrain Runner => grains.GetGrain<IRunnerGrain>(cluster.SiloName);

    private async Task OnStart(CancellationToken cancellation)
    {
        await Runner.Heartbeat();
        executions.SlotsChanged += () => Runner.Heartbeat().Ignore();
        executions.SlotFreed += () => grains.GetGrain<ITaskIndexGrain>(0)
            .SlotsFreed(cluster.SiloName, executions.SlotsTotal - executions.SlotsUsed).Ignore();
        pulls.Pulled += () => Runner.Heartbeat().Ignore();
        models.Changed += () => Runner.Heartbeat().Ignore();
        _heartbeats = Task.Run(HeartbeatLoop, CancellationToken.None);
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

    private async Task OnStop(CancellationToken cancellation)
    {
        _stop.Cancel();
        try
        {
            await Runner.GoOffline();
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not mark runner {Runner} offline", cluster.SiloName);
        }
        // Long enough for a loaded engine to stop and remove its containers (10 s proved short on a busy 2-core host);
        // bounded, so a hung engine cannot hold the shutdown.
        await executions.StopAsync(TimeSpan.FromSeconds(30));
        await pulls.StopAsync();
        if (_heartbeats is not null) await _heartbeats;
    }
}
